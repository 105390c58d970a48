"""Audio watermarks: VOICES["WATERMARK"] = {"BACKEND": dotted path, "OPTIONS": {}}; see base.py."""
