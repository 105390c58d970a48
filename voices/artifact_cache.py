"""Local copies of voice artifacts, for engines that read a file, when the private storage is not a filesystem (S3).

The copies live next to the models (MODELS_DIR/../voice-cache/<sha256>.npz), named by content hash. They are copies
of a person's voice: erasing a voice erases its copy on this machine at once (`forget`), and `sweep` removes every
copy no usable voice uses any more, for the other machines (run by the daily retention task).
"""

from pathlib import Path

from .app_settings import app_settings


def cache_dir() -> Path:
    return Path(app_settings.MODELS_DIR).parent / "voice-cache"


def local_artifact_path(voice) -> str:
    """A local file of the voice's artifact: the stored file itself on a filesystem storage, else a cached copy."""
    storage = voice.artifact.storage
    try:
        return storage.path(voice.artifact.name)
    except NotImplementedError:
        copy = cache_dir() / f"{voice.artifact_sha256}.npz"
        if not copy.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(voice.artifact.name, "rb") as handle:
                partial = copy.with_suffix(".part")
                partial.write_bytes(handle.read())
                partial.replace(copy)  # never a half-written copy under the final name
        return str(copy)


def forget(sha256: str) -> bool:
    """Delete this machine's copy of an artifact, if there is one."""
    if not sha256:
        return False
    copy = cache_dir() / f"{sha256}.npz"
    try:
        copy.unlink()
        return True
    except FileNotFoundError:
        return False


def sweep() -> list[str]:
    """Delete the copies that belong to no usable voice; returns their hashes."""
    from .models import Voice

    folder = cache_dir()
    if not folder.is_dir():
        return []
    in_use = {v.artifact_sha256 for v in Voice.objects.exclude(state=Voice.State.REVOKED).exclude(artifact="")}
    removed = []
    for copy in folder.glob("*.npz"):
        if copy.stem not in in_use:
            copy.unlink(missing_ok=True)
            removed.append(copy.stem)
    return removed
