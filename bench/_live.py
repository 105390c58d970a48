"""Shared by the benchmarks that run the real server (bench/streaming.py, bench/load.py): a daphne process on a free
loopback port against a throw-away folder, the fixtures they stream (a pre-rendered article from synthetic tone
clips), and the numbers they read from /proc (resident memory, CPU time).

The caller sets the environment first (DJANGO_SETTINGS_MODULE, DATABASE_URL, READALOUD_VAR_DIR... pointing into its
temporary folder `workdir`); the server inherits it, with `workdir` on its PYTHONPATH for a settings module written
there.
"""

import math
import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.live_processes import free_port, stop, wait_until_listening  # noqa: E402,F401 (re-exported)

SAMPLE_RATE = 24_000

PARAGRAPHS = [
    "清晨的城市还没有完全醒来。我沿着河边慢慢地走，风从水面吹过来，带着一点凉意。",
    "我想起小时候听过的故事。那时候，外婆总是在睡前给我讲一个故事，声音很轻，也很慢。",
    "后来我开始自己读书。书里的世界很大，有山，有海，也有很多我从没见过的人。",
    "现在，我希望把这些文字读给更多的人听。听，是另一种阅读的方式。",
]


# --- setup ------------------------------------------------------------------------------------------------------------

def setup_django():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def raise_fd_limit(wanted=8192):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def publish(author, title, body):
    from articles.models import Article
    from articles.services import article_save

    return article_save(article=Article(author=author, title=title, body=body, language="zh"), publish=True)


def clear_queue():
    """Publishing queued renderings; the benchmark decides what gets rendered."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()


def synthetic_rendition(article, seconds_per_sentence=3.0):
    """A READY rendition of the article's sentences (split at "。") from tone clips: SYNTHETIC audio."""
    import hashlib

    import numpy as np
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from readaloud.audio_encoding import encode_mp3
    from readaloud.models import Rendition, SentenceClip
    from readaloud.storage import audio_storage, clip_name

    entries, position, data = [], 0.0, b""
    blocks = [b for b in article.body.split("\n\n") if b.strip()]
    for block_index, block in enumerate(blocks):
        offset = 0
        for part in [p + "。" for p in block.split("。") if p.strip()]:
            start = block.index(part[:-1], offset)
            offset = start + len(part)
            key = hashlib.sha256(f"bench|{article.pk}|{len(entries)}".encode()).hexdigest()
            t = np.arange(int(SAMPLE_RATE * seconds_per_sentence)) / SAMPLE_RATE
            encoded = encode_mp3((0.2 * np.sin(2 * np.pi * (200 + 20 * (len(entries) % 10)) * t)).astype(np.float32),
                                 SAMPLE_RATE)
            name = audio_storage().save(clip_name(key), ContentFile(encoded.data))
            SentenceClip.objects.create(key=key, audio_name=name, duration_seconds=encoded.duration_seconds,
                                        sample_rate=SAMPLE_RATE, byte_size=len(encoded.data))
            end = position + encoded.duration_seconds
            entries.append({"index": len(entries), "text": part, "spoken": part, "language": "zh",
                            "block": block_index, "char_start": start, "char_end": start + len(part), "pause_ms": 300,
                            "annotations": [], "key": key, "start": round(position, 3), "end": round(end, 3)})
            position += encoded.duration_seconds
            data += encoded.data
    Rendition.objects.filter(article_id=str(article.pk)).delete()
    rendition = Rendition.objects.create(
        article_id=str(article.pk), author_id=article.author_id, title=article.title, language="zh",
        voice_ref="synthetic", voice_label="合成测试音 · synthetic tones", engine_version="bench-tones",
        content_hash="b" * 64, sentences=entries, sentences_done=len(entries), status=Rendition.Status.READY,
        duration_seconds=round(position, 3), finished_at=timezone.now(), heartbeat_at=timezone.now(),
    )
    name = audio_storage().save(f"renditions/{article.pk}/{rendition.uid}.mp3", ContentFile(data))
    Rendition.objects.filter(pk=rendition.pk).update(audio_name=name, audio_bytes=len(data))
    return rendition


# --- processes --------------------------------------------------------------------------------------------------------

def use_workdir(workdir, settings_module="hostsite.settings"):
    """Point this process (and the servers it starts) at a throw-away folder: the embedded defaults, production-like
    (DEBUG off), with the models where they are installed. `settings_module` may be one written into `workdir`."""
    sys.path[:0] = [str(REPO), str(REPO / "platform"), str(workdir)]
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": f"sqlite:///{Path(workdir) / 'db.sqlite3'}",
        "READALOUD_VAR_DIR": str(workdir),
        "READALOUD_MODELS_DIR": os.environ.get("READALOUD_MODELS_DIR", str(REPO / "var" / "models")),
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    })


def child_env(workdir):
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "platform"), str(REPO), str(workdir)])}


def start_daphne(port, backlog, workdir):
    """daphne serving hostsite.asgi:application on 127.0.0.1:`port`, once it accepts connections; its stderr goes
    to `workdir`/daphne.log."""
    endpoint = f"tcp:port={port}:interface=127.0.0.1" + (f":backlog={backlog}" if backlog else "")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-v", "0", "-e", endpoint, "hostsite.asgi:application"],
        cwd=REPO, env=child_env(workdir), stdout=subprocess.DEVNULL, stderr=open(Path(workdir) / "daphne.log", "wb"),
    )
    if not wait_until_listening(process, port, timeout=60):
        process.kill()
        log = (Path(workdir) / "daphne.log").read_text(errors="replace")
        raise SystemExit("daphne did not start:\n" + log)
    return process


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid):
    """User + system CPU time of process `pid` (all its threads) so far; NaN once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu():
    """(busy, total) jiffies of all CPUs since boot (/proc/stat): the busy share between two readings is the load of
    the whole machine, other users' processes included."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])


def percentile(values, q):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
