"""WebSocket streaming on one server process: time to first audio byte, and N concurrent listeners.

Starts daphne (HTTP + WebSocket, the real ASGI application) on a free loopback port against a temporary SQLite
database and audio folder, with
  - a pre-rendered article whose rendition is built here from SYNTHETIC tone clips (the transport does not care what
    the MP3 frames say; labelled "synthetic" in the table), and
  - an unrendered article, rendered on demand by the real pipeline when a listener connects (needs the text pipeline,
    the synthesis module and the models; a `db_worker` process renders, warmed up on another article first).
Then measures, over the WebSocket protocol of readaloud/consumers.py (connect, header, {"type": "play"}, chunk JSON,
binary frame):
  - time to first audio byte for the pre-rendered article (sequential connections) and the unrendered one;
  - N concurrent listeners (all connect at once, each reads its first chunk; connections stay open until every
    listener is served): p50/p99/max time to first chunk, errors, the server's resident memory (VmRSS), and the CPU
    seconds the server and this client spent until every listener had its first chunk (both share the machine).
Loopback only; every listener is bounded in time (--timeout) and the counts are fixed (--listeners).

    python bench/streaming.py [--json] [--listeners 10,100,500] [--rounds 3] [--repeat 20] [--backlog 1024]

Targets (issue 5): first byte < 150 ms pre-rendered, < 2 s unrendered; 500 listeners p99 < 1 s with 0 errors.
"""

import argparse
import asyncio
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _live import (
    PARAGRAPHS,
    child_env,
    clear_queue,
    cpu_seconds,
    free_port,
    percentile,
    publish,
    raise_fd_limit,
    rss_mb,
    setup_django,
    stop,
    synthetic_rendition,
    use_workdir,
)
from _live import start_daphne as _start_daphne

REPO = Path(__file__).resolve().parents[1]
WORKDIR = Path(tempfile.mkdtemp(prefix="readaloud-bench-streaming-"))
use_workdir(WORKDIR)

TARGET_FIRST_BYTE_RENDERED = 0.150
TARGET_FIRST_BYTE_UNRENDERED = 2.0
TARGET_LISTENERS_P99 = 1.0

UNRENDERED_BODY = "今天天气很好。我们去公园散步吧。\n\n公园里有很多花，孩子们在草地上玩耍。"
WARMUP_BODY = "这是一篇用来预热的短文。模型加载以后，渲染会快很多。"


# --- setup ------------------------------------------------------------------------------------------------------------

def synthesis_missing():
    for module in ("readaloud.text.pipeline", "readaloud.services.planning", "readaloud.services.rendering",
                   "voices.synthesis"):
        try:
            if importlib.util.find_spec(module) is None:
                return f"{module} missing"
        except ImportError as exc:
            return f"{module}: {exc}"
    try:
        import readaloud.services.planning  # noqa: F401
        import readaloud.services.rendering  # noqa: F401
        import readaloud.text.pipeline  # noqa: F401
    except Exception as exc:  # an import error in work in progress
        return f"{type(exc).__name__}: {exc}"
    if not (Path(os.environ["READALOUD_MODELS_DIR"]) / "kokoro").exists():
        return "models not installed (manage.py models_install)"
    return None


# --- processes --------------------------------------------------------------------------------------------------------

def start_daphne(port, backlog):
    return _start_daphne(port, backlog, WORKDIR)


def start_worker():
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--interval", "0.1",
         "--no-startup-delay"],
        cwd=REPO, env=child_env(WORKDIR), stdout=open(WORKDIR / "worker.log", "wb"), stderr=subprocess.STDOUT,
    )


def wait_rendered(article_id, timeout):
    from readaloud.models import Rendition

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rendition = Rendition.objects.filter(article_id=str(article_id), is_current=True).first()
        if rendition and rendition.status == Rendition.Status.READY:
            return None
        if rendition and rendition.status == Rendition.Status.FAILED:
            return f"render failed: {rendition.error[:120]}"
        time.sleep(0.25)
    return f"not rendered within {timeout} s"


async def wait_rendered_async(article_id, timeout=300):
    from asgiref.sync import sync_to_async

    return await sync_to_async(wait_rendered)(article_id, timeout)


# --- the client -------------------------------------------------------------------------------------------------------

async def listen(base, article_id, *, timeout, until_index=0, served=None, hold=None):
    """Connect, read the header, ask to play, read chunks until the one with `until_index` (its binary frame); then
    call `served` and stay connected until `hold` is set. Returns {index: seconds from the start of the connection
    to that chunk's audio bytes}."""
    from websockets.asyncio.client import connect

    started = time.perf_counter()
    firsts = {}
    async with asyncio.timeout(timeout):
        async with connect(f"ws://{base}/ws/readaloud/articles/{article_id}/", origin=f"http://{base}",
                           max_size=None, compression=None, open_timeout=timeout, ping_interval=None) as ws:
            header = json.loads(await ws.recv())
            if header.get("type") != "header":
                raise RuntimeError(f"expected the header, got {header}")
            await ws.send(json.dumps({"type": "play", "from": 0}))
            meta = None
            while True:
                message = await ws.recv()
                if isinstance(message, bytes):
                    if meta is None or len(message) != meta["bytes"]:
                        raise RuntimeError("binary frame without its chunk header")
                    firsts[meta["index"]] = time.perf_counter() - started
                    if meta["index"] >= until_index:
                        break
                    if meta["index"] % 4 == 3:
                        await ws.send(json.dumps({"type": "next", "count": 4}))
                    continue
                data = json.loads(message)
                if data["type"] == "chunk":
                    meta = data
                elif data["type"] in ("error", "end"):
                    raise RuntimeError(f"server said {data}")
            if served is not None:
                served()
            if hold is not None:
                await hold.wait()
    return firsts


def summary(name, latencies, errors, target, **extra):
    row = {"scenario": name, "n": len(latencies) + errors, "errors": errors, **extra}
    if latencies:
        row.update({"p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                    "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                    "max_ms": round(max(latencies) * 1000, 1)})
    else:
        row.update({"p50_ms": None, "p99_ms": None, "max_ms": None})
    row["target"] = target
    return row


async def first_byte_prerendered(base, article_id, repeat, timeout):
    started = time.perf_counter()
    try:
        await listen(base, article_id, timeout=timeout)  # the server's first connection imports what it needs
        cold = round((time.perf_counter() - started) * 1000, 1)
    except Exception as exc:
        cold = f"{type(exc).__name__}: {exc}"
    latencies, errors = [], 0
    for _ in range(repeat):
        try:
            latencies.append((await listen(base, article_id, timeout=timeout))[0])
        except Exception:
            errors += 1
    row = summary("first audio byte, pre-rendered (synthetic clips)", latencies, errors,
                  f"< {TARGET_FIRST_BYTE_RENDERED * 1000:.0f} ms")
    row["note"] = f"first connection after the server started (not counted): {cold} ms"
    row["ok"] = bool(latencies) and errors == 0 and row["p99_ms"] < TARGET_FIRST_BYTE_RENDERED * 1000
    return row


async def first_byte_unrendered(base, article_id, timeout):
    try:
        firsts = await listen(base, article_id, timeout=timeout, until_index=1)
    except Exception as exc:
        return [{"scenario": "first audio byte, unrendered (real pipeline)", "n": 1, "errors": 1,
                 "p50_ms": None, "p99_ms": None, "max_ms": None, "target": "< 2000 ms", "ok": False,
                 "note": f"{type(exc).__name__}: {exc}"[:160]}]
    rows = []
    for index, label in ((0, "first audio byte, unrendered (real pipeline; AI notice, cached clip)"),
                         (1, "first article sentence, unrendered (real pipeline, synthesized now)")):
        seconds = firsts.get(index)
        rows.append({"scenario": label, "n": 1, "errors": 0, "p50_ms": round(seconds * 1000, 1),
                     "p99_ms": round(seconds * 1000, 1), "max_ms": round(seconds * 1000, 1),
                     "target": f"< {TARGET_FIRST_BYTE_UNRENDERED * 1000:.0f} ms",
                     "ok": seconds < TARGET_FIRST_BYTE_UNRENDERED})
    return rows


async def concurrent_listeners(base, article_id, n, timeout, server_pid):
    hold = asyncio.Event()
    rss = {"before": rss_mb(server_pid), "peak": 0.0}
    done = asyncio.Event()

    async def sample():
        while not done.is_set():
            rss["peak"] = max(rss["peak"], rss_mb(server_pid))
            await asyncio.sleep(0.05)

    settled = {"count": 0}
    all_settled = asyncio.Event()

    def settle():
        settled["count"] += 1
        if settled["count"] == n:
            all_settled.set()

    async def one():
        try:
            return (await listen(base, article_id, timeout=timeout, served=settle, hold=hold))[0]
        except Exception as exc:
            if not hold.is_set():
                settle()
            return exc

    sampler = asyncio.create_task(sample())
    cpu_before = cpu_seconds(server_pid), cpu_seconds(os.getpid())
    tasks = [asyncio.create_task(one()) for _ in range(n)]
    # every listener has its first chunk (or failed) before any connection closes: N are connected at once
    try:
        await asyncio.wait_for(all_settled.wait(), timeout + 5)
    except TimeoutError:
        pass
    server_cpu = cpu_seconds(server_pid) - cpu_before[0]
    client_cpu = cpu_seconds(os.getpid()) - cpu_before[1]
    hold.set()
    results = await asyncio.gather(*tasks)
    done.set()
    await sampler
    latencies = [r for r in results if isinstance(r, float)]
    errors = [r for r in results if not isinstance(r, float)]
    row = summary(f"{n} concurrent listeners (synthetic clips)", latencies, len(errors),
                  f"p99 < {TARGET_LISTENERS_P99 * 1000:.0f} ms, 0 errors" if n >= 500 else "-",
                  rss_before_mb=round(rss["before"], 1), rss_peak_mb=round(rss["peak"], 1),
                  server_cpu_s=round(server_cpu, 2), client_cpu_s=round(client_cpu, 2))
    if errors:
        row["note"] = f"{type(errors[0]).__name__}: {errors[0]}"[:160]
    row["ok"] = (not errors and row["p99_ms"] is not None and row["p99_ms"] < TARGET_LISTENERS_P99 * 1000) \
        if n >= 500 else not errors
    return row


# --- main -------------------------------------------------------------------------------------------------------------

def print_table(rows, meta):
    columns = [("scenario", 72), ("n", 5), ("p50_ms", 9), ("p99_ms", 9), ("max_ms", 9), ("errors", 7),
               ("rss_before_mb", 8), ("rss_peak_mb", 8), ("server_cpu_s", 7), ("client_cpu_s", 7), ("target", 28),
               ("ok", 4)]
    heads = {"rss_before_mb": "RSS0 MB", "rss_peak_mb": "RSSpk MB", "server_cpu_s": "srv CPU",
             "client_cpu_s": "cli CPU"}
    print(" ".join(heads.get(c, c).ljust(w) for c, w in columns))
    for row in rows:
        cells = []
        for column, width in columns:
            value = row.get(column)
            if value is None:
                value = "n/a" if column in ("p50_ms", "p99_ms", "max_ms") else ""
            elif isinstance(value, bool):
                value = "yes" if value else "NO"
            cells.append(str(value).ljust(width))
        print(" ".join(cells))
        if row.get("note"):
            print("    note:", row["note"])
    print()
    for key, value in meta.items():
        print(f"{key}: {value}")


async def run(args, base, server, worker, prerendered, unrendered, unrendered_skip):
    rows = [await first_byte_prerendered(base, prerendered.pk, args.repeat, args.timeout)]
    if unrendered_skip:
        rows.append({"scenario": "first audio byte, unrendered (real pipeline)", "n": 0, "errors": 0,
                     "p50_ms": None, "p99_ms": None, "max_ms": None, "target": "< 2000 ms", "ok": None,
                     "note": f"n/a ({unrendered_skip})"})
    else:
        rows.extend(await first_byte_unrendered(base, unrendered.pk, args.timeout * 4))
    if worker is not None:
        # The listeners measure the streaming server alone: the worker (polling every 0.1 s, finishing the article)
        # would compete for the 2 cores and for SQLite.
        await wait_rendered_async(unrendered.pk)
        stop(worker)
    for n in args.listeners:
        for round_number in range(1, args.rounds + 1):
            row = await concurrent_listeners(base, prerendered.pk, n, args.timeout, server.pid)
            if args.rounds > 1:
                row["scenario"] += f", round {round_number}/{args.rounds}"
            rows.append(row)
            await asyncio.sleep(3.0)  # let the server close the previous round's sockets first
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.add_argument("--listeners", default="10,100,500", help="comma-separated listener counts")
    parser.add_argument("--repeat", type=int, default=20, help="sequential connections for the first-byte time")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each listener count (a shared machine's noise shows between rounds)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one listener may take")
    parser.add_argument("--backlog", type=int, default=1024,
                        help="listen backlog of the server socket (0: Twisted's default, 50)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, audio, logs)")
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="run the server with DATABASES CONN_MAX_AGE=N (persistent connections); default: as the "
                             "settings say (0: a new database connection for every database_sync_to_async call)")
    args = parser.parse_args()
    args.listeners = [int(n) for n in args.listeners.split(",") if n.strip()]
    if max(args.listeners, default=0) > 2000:
        parser.error("at most 2000 listeners")
    fd_limit = raise_fd_limit(max(4096, 2 * max(args.listeners, default=0) + 512))
    if args.conn_max_age is not None:
        (WORKDIR / "bench_settings.py").write_text(
            "from hostsite.settings import *  # noqa: F403\n"
            f'DATABASES["default"]["CONN_MAX_AGE"] = {args.conn_max_age}\n')
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

    setup_django()
    from django.contrib.auth import get_user_model

    author = get_user_model().objects.create_user("bench", password="bench-pass-123", first_name="林晓")
    prerendered = publish(author, "预先渲染的文章", "\n\n".join(PARAGRAPHS * 3))
    unrendered = publish(author, "尚未渲染的文章", UNRENDERED_BODY)
    clear_queue()
    synthetic_rendition(prerendered)

    missing = synthesis_missing()
    unrendered_skip = f"synthesis not available: {missing}" if missing else None
    worker = None
    server = start_daphne(port := free_port(), args.backlog)
    base = f"127.0.0.1:{port}"
    try:
        if not unrendered_skip:
            worker = start_worker()
            warmup = publish(author, "预热", WARMUP_BODY)  # queued on publish: loads the models in the worker
            problem = wait_rendered(warmup.pk, timeout=600)
            if problem:
                unrendered_skip = f"synthesis not available: {problem}"
        rows = asyncio.run(run(args, base, server, worker, prerendered, unrendered, unrendered_skip))
    finally:
        stop(worker)
        stop(server)
        if not args.keep:
            shutil.rmtree(WORKDIR, ignore_errors=True)

    meta = {"server": f"daphne, one process, loopback {base}, listen backlog {args.backlog or 50}",
            "worker": "db_worker --interval 0.1 for the unrendered rows, stopped before the listener rows"
                      if not unrendered_skip else "none",
            "settings": "hostsite.settings (SQLite WAL, in-memory channel layer, DEBUG off"
                        + (f", CONN_MAX_AGE={args.conn_max_age}" if args.conn_max_age is not None else "")
                        + ") in a temporary folder" + (f" ({WORKDIR}, kept)" if args.keep else ""),
            "cpus": os.cpu_count(), "load_average_1m_at_end": round(os.getloadavg()[0], 2), "fd_limit": fd_limit,
            "python": sys.version.split()[0],
            "command": "python bench/streaming.py " + " ".join(sys.argv[1:])}
    if args.json:
        print(json.dumps({"rows": rows, **meta}, ensure_ascii=False, indent=2))
    else:
        print_table(rows, meta)
    return 0 if all(row.get("ok") is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
