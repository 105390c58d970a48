from django.core.files.storage import storages


def audio_storage():
    """Rendition audio: a STORAGES alias, so S3 or any Storage can hold it."""
    return storages["readaloud_audio"]


def clip_name(key: str) -> str:
    return f"clips/{key[:2]}/{key}.mp3"
