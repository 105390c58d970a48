"""The host lives in platform/, a plain folder: it must never shadow the standard-library module `platform`
(uuid, wsgiref, torch and Django's own code import it)."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import django

REPO = Path(__file__).resolve().parents[2]


def test_platform_is_the_standard_library_module():
    import platform

    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().is_relative_to(stdlib)
    assert isinstance(platform.system(), str) and platform.system()
    assert platform.python_version().startswith(f"{sys.version_info.major}.{sys.version_info.minor}")


def test_the_platform_folder_is_not_a_package():
    assert (REPO / "platform" / "hostsite").is_dir()
    assert not (REPO / "platform" / "__init__.py").exists()


def test_modules_that_import_platform_work_after_django_setup():
    import uuid
    import wsgiref.simple_server

    from django.apps import apps

    assert apps.ready and django.VERSION >= (5, 0)
    assert uuid.uuid4().version == 4
    assert wsgiref.simple_server.software_version


def test_manage_py_runs_django_with_the_stdlib_platform():
    """The way people start the site: manage.py puts platform/ on sys.path and must still see the real module."""
    code = (
        "import platform, sysconfig, uuid, wsgiref.simple_server; from pathlib import Path; "
        "from articles.models import Article; "
        "print(Path(platform.__file__).resolve().is_relative_to(Path(sysconfig.get_paths()['stdlib']).resolve()), "
        "bool(platform.system()), Article._meta.label)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hostsite.settings_test"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "articles.Article"]
