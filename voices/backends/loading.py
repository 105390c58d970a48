"""Backends chosen by settings, loaded once per process.

`load_backend("ASR")` reads VOICES["ASR"] = {"BACKEND": "dotted.path", "OPTIONS": {...}}, imports the class and
instantiates it with the options. Instances are cached per (path, options), so a model inside a backend is loaded
once per process, on first use (never in AppConfig.ready()), and a test that overrides the setting gets its own.
"""

import json
import threading

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..app_settings import app_settings

_instances = {}
_lock = threading.Lock()


def backend_config(kind: str) -> tuple[str, dict]:
    try:
        config = getattr(app_settings, kind)
        return config["BACKEND"], dict(config.get("OPTIONS") or {})
    except (AttributeError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f'VOICES["{kind}"] must be {{"BACKEND": "dotted.path", "OPTIONS": {{}}}}') from exc


def load_backend(kind: str):
    path, options = backend_config(kind)
    key = (kind, path, json.dumps(options, sort_keys=True, default=str))
    with _lock:
        if key not in _instances:
            _instances[key] = import_string(path)(**options)
        return _instances[key]
