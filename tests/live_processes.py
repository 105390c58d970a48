"""The real server and worker processes that tests start against the test database (settings_test shares its
folder with subprocesses through READALOUD_TEST_VAR_DIR)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env() -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "hostsite.settings_test",
            "PYTHONPATH": os.pathsep.join([str(REPO / "platform"), str(REPO)])}


def start_daphne(port: int, timeout: float = 60) -> subprocess.Popen:
    """daphne serving the real ASGI application on a loopback port, once it accepts connections."""
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "hostsite.asgi:application"],
        cwd=REPO, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    if not wait_until_listening(process, port, timeout):
        process.kill()
        output = process.stdout.read().decode(errors="replace")
        raise RuntimeError("daphne did not start:\n" + output)
    return process


def wait_until_listening(process: subprocess.Popen, port: int, timeout: float = 60) -> bool:
    """True once something accepts connections on the loopback port; False if the process exited or time ran out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.1)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_worker_batch(timeout: float = 600) -> subprocess.CompletedProcess:
    """A db_worker that runs every queued task, then exits."""
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*", "--no-reload"],
        cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=timeout,
    )
