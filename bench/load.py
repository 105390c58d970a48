"""Loopback load test: enrollment uploads and article streams together on one server process, bounded in time
and count.

Starts daphne (HTTP + WebSocket, the real ASGI application: bench/_live.py, as bench/streaming.py does) on a free
loopback port against a temporary SQLite database and audio folder (hostsite.settings with the overrides below),
then for --seconds runs at the same time
  - --uploaders authors, each with its own account and published articles: log in through the login form (session
    cookie + CSRF, what docs/voices-api.md describes), consent, then loop: draw a challenge, show a sentence, wait as
    long as reading it aloud takes, upload the reading (multipart WAV) and go on to the next sentence; every
    --bad-every'th turn (the 2nd, then every --bad-every'th after it) first uploads a bad file for the sentence
    shown (3 s of near-silence, random bytes named reading.wav, a WAV over READING_MAX_BYTES; the kind rotates, and
    starts at a different one for each uploader), then reads the sentence properly;
  - --listeners anonymous listeners, each in a loop: open /ws/readaloud/articles/<id>/ (one of --articles
    pre-rendered articles), read the header, {"type": "play"}, read chunks (--pace realtime, the default, as a
    player: the server's window of 4, then one more as each chunk has "played" for its duration, until {"type":
    "end"}, --listen-seconds or the end of the window; --pace fast, a stress: every chunk to {"type": "end"} as fast
    as the server sends, asking for 4 more after every 4), close, wait 1-3 s, open a new one.
Nothing new starts after --seconds; what is in flight may finish within --timeout; a hard stop then cancels the rest
(counted as errors). Every request, session and phase has a timeout; the server is killed at the end.

The readings are real speech: Kokoro (the project's engine, voices.synthesis.get_engine(), stock voice
zf_xiaoxiao) reading every sentence a challenge can draw. Challenges are random per request, but they are drawn
only from the author's own published sentences, and the bench publishes those itself (--sentences plain sentences
of the demo content, platform/articles/demo_content.py): so every sentence is synthesized once before the server
starts (cached under var/cache/bench-load/), and every upload speaks exactly the sentence shown, with its own random
lead-in/tail silence, gain and faint noise (never the same bytes twice). The synthesis cost stays out of the
measured window. The human clips of ../shared/eval/dev cannot be used: no speaker there has five readable sentences.
The article audio is SYNTHETIC (tone clips, as in bench/streaming.py): the transport does not care what it says.

Settings overrides for the server (printed with the results):
  - RATE_LIMIT_PER_HOUR / _PER_DAY and LOCKOUT_AFTER_REJECTIONS raised (voices/services/limits.py would refuse an
    author's 41st reading in an hour, and lock them out after 10 rejections in a row: the bad uploads are
    rejections); --product-limits keeps the product's limits (a refused upload answers 429, counted as refused);
  - ENROLLMENT_MIN_READINGS raised, so that no enrollment becomes verified (which closes it to new challenges and
    queues a voice cloning) during the run;
  - VERIFICATION min_speaker_similarity 0.6, as tests/voices/test_api.py does: one Kokoro stock voice reading
    sentences of different lengths scores 0.68-0.95 against itself (real people 0.83+).
Verification runs inside the upload request (voices.services.readings.reading_submit), so no worker is started.

Outcomes, per upload: "accepted" / "rejected" (201, the verification's decision: a rejected reading is answered
201 with its reasons, as documented), "refused" (a 4xx: 400 for the oversize file, 429 rate-limited), "errors" (5xx,
exceptions, timeouts, dropped connections: real failures). A bad upload must never be accepted. Per listener
session: "errors" are exceptions, timeouts, closed connections, an {"type": "error"} from the server, or a stream
that ended with chunks missing.

    .venv/bin/python bench/load.py [--seconds 60] [--uploaders 8] [--listeners 100] [--json]
"""

import argparse
import asyncio
import concurrent.futures
import hashlib
import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path

import _live

REPO = _live.REPO
PASSWORD = "bench-pass-123"
VOICE = "zf_xiaoxiao"
CACHE = REPO / "var" / "cache" / "bench-load"
BAD_KINDS = ("silence", "garbage", "oversize")
LABELS = {"speech": "speech (Kokoro, the sentence shown)", "silence": "bad: 3 s near-silence WAV",
          "garbage": "bad: 64 KB random bytes", "oversize": "bad: oversize WAV"}
SERVER_OVERRIDES = {"ENROLLMENT_MIN_READINGS": 1_000_000, "VERIFICATION": {"min_speaker_similarity": 0.6}}
LIMIT_OVERRIDES = {"RATE_LIMIT_PER_HOUR": 1_000_000, "RATE_LIMIT_PER_DAY": 1_000_000,
                   "LOCKOUT_AFTER_REJECTIONS": 1_000_000}


# --- setup ------------------------------------------------------------------------------------------------------------

def configure(workdir, args):
    """The environment of this process and of the server: hostsite.settings in `workdir`, with the overrides."""
    overrides = {**SERVER_OVERRIDES, **({} if args.product_limits else LIMIT_OVERRIDES)}
    (workdir / "bench_load_settings.py").write_text(
        "from hostsite.settings import *  # noqa: F403\n"
        f"VOICES = {{**VOICES, **{overrides!r}}}  # noqa: F405\n")
    _live.use_workdir(workdir, "bench_load_settings")
    return overrides


def sentence_pool(count):
    """`count` readable Chinese sentences of the demo content (whole sentences, 10-22 characters), evenly spread."""
    import datetime

    from articles import demo_content
    from articles.rendering import markdown_to_plain_text
    from voices.adapter import AuthorText
    from voices.services.sentences import candidates_from_texts

    now = datetime.datetime.now(datetime.UTC)
    texts = [AuthorText(slug, title, markdown_to_plain_text(body), language, now)
             for slug, title, language, body, days in demo_content.ARTICLES if language == "zh" and days]
    whole = [c.text for c in candidates_from_texts(texts) if c.text[-1] in "。！？" and 10 <= c.units <= 22]
    step = max(1, len(whole) // count)
    return whole[::step][:count]


def create_authors(count, sentences, prefix):
    """`count` authors, each with two published articles made of `sentences` (two sentences a paragraph)."""
    from django.contrib.auth import get_user_model

    from voices.adapter import get_author_text_adapter
    from voices.services.sentences import candidates_from_texts

    half = (len(sentences) + 1) // 2
    bodies = ["\n\n".join("".join(part[i:i + 2]) for i in range(0, len(part), 2))
              for part in (sentences[:half], sentences[half:])]
    names, drawable = [], set()
    for n in range(count):
        user = get_user_model().objects.create_user(f"{prefix}{n + 1}", password=PASSWORD, first_name=f"读者{n + 1}")
        for k, body in enumerate(bodies):
            _live.publish(user, f"朗读练习{k + 1}（{user.username}）", body)
        names.append(user.username)
        if n == 0:
            drawable = {c.text for c in candidates_from_texts(get_author_text_adapter().published_texts(user.pk))}
    return names, drawable


def synthesize_pool(texts):
    """{text: (float32 audio, sample rate)} of Kokoro reading each text; cached under var/cache/bench-load/."""
    from voices import audio as audio_utils
    from voices.synthesis import get_engine

    engine, clips, made, started = None, {}, 0, time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    for text in sorted(texts):
        path = CACHE / (hashlib.sha256(f"kokoro|{VOICE}|{text}".encode()).hexdigest()[:32] + ".wav")
        if not path.exists():
            engine = engine or get_engine()
            result = engine.synthesize(text, VOICE, "zh")
            audio_utils.write_wav(path, result.audio, result.sample_rate)
            made += 1
        clips[text] = audio_utils.read_audio(path)
    return clips, made, time.perf_counter() - started


def bad_files(max_bytes):
    import numpy as np

    from voices import audio as audio_utils

    rng = np.random.default_rng(0)
    silence = audio_utils.wav_bytes(rng.normal(0, 1e-4, 3 * 48000).astype(np.float32), 48000)
    oversize_seconds = (max_bytes + 1024 * 1024) // (2 * 48000) + 1
    oversize = audio_utils.wav_bytes(rng.normal(0, 0.05, oversize_seconds * 48000).astype(np.float32), 48000)
    return {"silence": (silence, 3.0), "garbage": (random.Random(1).randbytes(64 * 1024), 0.0),
            "oversize": (oversize, 0.0)}


def reading_wav(clip, rng):
    """Kokoro's clip as a person recording it: some silence before and after, its own level, faint room noise."""
    import numpy as np

    from voices import audio as audio_utils

    audio, rate = clip
    before, after = (np.zeros(int(rng.uniform(0.25, 0.6) * rate), np.float32) for _ in range(2))
    x = np.concatenate([before, audio * rng.uniform(0.7, 1.0), after])
    x = x + np.random.default_rng(rng.getrandbits(32)).normal(0, 3e-4, len(x)).astype(np.float32)
    return audio_utils.wav_bytes(np.clip(x, -1, 1), rate), len(x) / rate


# --- the HTTP client (blocking; run in threads) -----------------------------------------------------------------------

class Response:
    def __init__(self, status, body):
        self.status, self.body = status, body

    def json(self):
        return json.loads(self.body)


class Http:
    """One user agent: cookies (session, CSRF token) and a hard socket timeout; a new connection per request."""

    def __init__(self, port, timeout):
        self.port, self.timeout, self.cookies = port, timeout, {}

    def request(self, method, path, body=None, content_type=None):
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "readaloud-bench-load/1", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST" and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
            headers["Referer"] = f"http://127.0.0.1:{self.port}/"
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Response(response.status, data)
        finally:
            connection.close()

    def post_json(self, path, payload=None):
        return self.request("POST", path, json.dumps(payload or {}).encode(), "application/json")

    def login(self, username, password):
        page = self.request("GET", "/accounts/login/")
        if page.status != 200 or "csrftoken" not in self.cookies:
            return page
        form = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrfmiddlewaretoken": self.cookies["csrftoken"]})
        return self.request("POST", "/accounts/login/", form.encode(), "application/x-www-form-urlencoded")

    def upload(self, challenge, index, token, audio):
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in (("challenge", challenge), ("index", index), ("shown_token", token))]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="reading.wav"\r\n'
                     "Content-Type: audio/wav\r\n\r\n".encode() + audio + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", "/voices/api/readings/", b"".join(parts),
                            f"multipart/form-data; boundary={boundary}")


# --- the run ----------------------------------------------------------------------------------------------------------

class Run:
    def __init__(self, args, port, clips, bad, articles, rng):
        self.args, self.port, self.clips, self.bad, self.articles, self.rng = args, port, clips, bad, articles, rng
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=2 * args.uploaders + 4)
        self.uploads, self.calls, self.sessions, self.notes = [], [], [], Counter()
        self.inflight = Counter()
        self.deadline = None
        self.open_sockets = self.max_open_sockets = 0

    def is_open(self):
        return time.monotonic() < self.deadline

    async def call(self, op, function, *args):
        """One blocking HTTP exchange in a thread, bounded; recorded under `op`. Returns the Response (None after
        an exception) and the record."""
        started = time.perf_counter()
        self.inflight[op] += 1
        record = {"op": op, "status": None, "error": None}
        try:
            response = await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(self.pool, function, *args), self.args.timeout + 5)
            record["status"] = response.status
            if response.status >= 500:
                record["error"] = f"HTTP {response.status}: {response.body[:200]!r}"
        except asyncio.CancelledError:
            record["error"] = "cut by the hard stop"
            raise
        except Exception as exc:  # timeouts, refused or dropped connections: real failures
            record["error"] = f"{type(exc).__name__}: {exc}"[:200]
            response = None
        finally:
            self.inflight[op] -= 1
            record["seconds"] = time.perf_counter() - started
            (self.uploads if op in LABELS else self.calls).append(record)
        return response, record

    async def show(self, http, challenge, index):
        response, _ = await self.call("show", http.post_json,
                                      f"/voices/api/challenges/{challenge}/sentences/{index}/show/")
        if response is None or response.status != 200:
            return None
        return response.json()

    async def upload(self, http, kind, challenge, shown, audio):
        response, record = await self.call(kind, http.upload, challenge, shown["index"], shown["shown_token"], audio)
        if response is not None and response.status < 500:
            try:
                attempt = response.json().get("attempt") or {}
            except ValueError:
                attempt = {}
            record["decision"] = attempt.get("decision")
            record["server_seconds"] = attempt.get("processing_seconds")
            if kind == "speech" and attempt.get("decision") == "rejected":
                failed = [r.get("code") for r in attempt.get("reasons", []) if r.get("ok") is False]
                self.notes["speech rejected: " + ",".join(failed or ["?"])] += 1
        return response

    async def uploader(self, number, username):
        http, rng = Http(self.port, self.args.timeout), random.Random(self.rng.random())
        await asyncio.sleep(rng.uniform(0, min(3.0, self.args.seconds / 4)))
        response, _ = await self.call("login", http.login, username, PASSWORD)
        if response is None or response.status != 302:
            self.notes[f"login answered {getattr(response, 'status', None)}"] += 1
            return
        response, _ = await self.call("consent", http.post_json, "/voices/api/consent/",
                                      {"language": "zh", "accept": True})
        if response is None or response.status != 201:
            self.notes[f"consent answered {getattr(response, 'status', None)}"] += 1
            return
        challenge, pending, turn = None, [], 0
        while self.is_open():
            if not pending:
                response, _ = await self.call("challenge", http.post_json, "/voices/api/challenges/")
                if response is None or response.status != 201:
                    self.notes[f"challenge answered {getattr(response, 'status', None)}"] += 1
                    await asyncio.sleep(2.0)
                    continue
                body = response.json()
                challenge, pending = body["id"], [s["index"] for s in body["sentences"] if not s["accepted"]]
                continue
            index = pending.pop(0)
            shown = await self.show(http, challenge, index)
            if shown is None:
                pending = []
                continue
            turn += 1
            if self.args.bad_every and turn % self.args.bad_every == 2 % self.args.bad_every:
                kind = BAD_KINDS[(number + turn // self.args.bad_every) % len(BAD_KINDS)]
                audio, seconds = self.bad[kind]
                await asyncio.sleep(seconds + rng.uniform(0.3, 1.0))
                if not self.is_open():
                    break
                await self.upload(http, kind, challenge, shown, audio)
                shown = await self.show(http, challenge, index)  # "try again"
                if shown is None:
                    pending = []
                    continue
            clip = self.clips.get(shown["text"])
            if clip is None:  # not expected: every drawable sentence was synthesized
                self.notes["sentence without a clip (a mismatched reading was uploaded)"] += 1
                clip = next(iter(self.clips.values()))
            audio, seconds = reading_wav(clip, rng)
            await asyncio.sleep(seconds + rng.uniform(0.3, 1.0))  # reading aloud takes its own time
            if not self.is_open():
                break
            response = await self.upload(http, "speech", challenge, shown, audio)
            if response is not None and response.status == 429:
                await asyncio.sleep(5.0)
            await asyncio.sleep(rng.uniform(0.5, 1.5))

    async def session(self, article_id, rng):
        from websockets.asyncio.client import connect

        args = self.args
        record = {"first_chunk": None, "bytes": 0, "chunks": 0, "complete": False, "cut": False, "error": None}
        started = time.perf_counter()
        planned_end = None
        if args.pace == "realtime":
            planned_end = min(self.deadline, time.monotonic() + (args.listen_seconds or 1e9))
        player = None
        self.open_sockets += 1
        self.max_open_sockets = max(self.max_open_sockets, self.open_sockets)
        try:
            async with asyncio.timeout(args.timeout + (args.listen_seconds if args.pace == "realtime" else 0)):
                async with connect(f"ws://127.0.0.1:{self.port}/ws/readaloud/articles/{article_id}/",
                                   origin=f"http://127.0.0.1:{self.port}", max_size=None, compression=None,
                                   open_timeout=args.timeout, close_timeout=5, ping_interval=None) as ws:
                    header = json.loads(await ws.recv())
                    if header.get("type") != "header":
                        raise RuntimeError(f"expected the header, got {str(header)[:100]}")
                    await ws.send(json.dumps({"type": "play", "from": 0}))
                    played = asyncio.Queue()
                    if args.pace == "realtime":
                        async def play():
                            while True:
                                await asyncio.sleep(await played.get())
                                await ws.send(json.dumps({"type": "next", "count": 1}))
                        player = asyncio.create_task(play())
                    meta = None
                    while True:
                        if planned_end is not None:
                            try:
                                async with asyncio.timeout_at(asyncio.get_running_loop().time()
                                                              + max(0.0, planned_end - time.monotonic())):
                                    message = await ws.recv()
                            except TimeoutError:
                                record["cut"] = True
                                break
                        else:
                            message = await ws.recv()
                        if isinstance(message, bytes):
                            if meta is None or len(message) != meta["bytes"]:
                                raise RuntimeError("binary frame without its chunk header")
                            if record["first_chunk"] is None:
                                record["first_chunk"] = time.perf_counter() - started
                            record["chunks"] += 1
                            record["bytes"] += len(message)
                            if args.pace == "realtime":
                                played.put_nowait(meta["end"] - meta["start"])
                            elif record["chunks"] % 4 == 0:
                                await ws.send(json.dumps({"type": "next", "count": 4}))
                            meta = None
                            continue
                        data = json.loads(message)
                        if data["type"] == "chunk":
                            meta = data
                        elif data["type"] == "end":
                            record["complete"] = True
                            break
                        elif data["type"] == "error":
                            raise RuntimeError(f"server said {data}")
                    if record["complete"] and record["chunks"] != header["total"]:
                        raise RuntimeError(f"stream ended after {record['chunks']} of {header['total']} chunks")
        except Exception as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            if player is not None:
                player.cancel()
            self.open_sockets -= 1
        record["seconds"] = time.perf_counter() - started
        return record

    async def listener(self, number):
        rng = random.Random(self.rng.random())
        await asyncio.sleep(rng.uniform(0, min(3.0, self.args.seconds / 4)))
        while self.is_open():
            self.inflight["listen"] += 1
            try:
                self.sessions.append(await self.session(self.articles[number % len(self.articles)], rng))
            finally:
                self.inflight["listen"] -= 1
            await asyncio.sleep(rng.uniform(1.0, 3.0))

    async def measure(self, server_pid):
        """The window: uploaders and listeners together; samples the server's memory and CPU meanwhile."""
        args = self.args
        samples = {"rss_start": _live.rss_mb(server_pid), "rss_peak": 0.0}
        stop = asyncio.Event()

        async def sample():
            while not stop.is_set():
                samples["rss_peak"] = max(samples["rss_peak"], _live.rss_mb(server_pid))
                await asyncio.sleep(0.2)

        cpu0, machine0, load0 = _live.cpu_seconds(server_pid), _live.machine_cpu(), os.getloadavg()
        client0 = resource.getrusage(resource.RUSAGE_SELF)
        started = time.monotonic()
        self.deadline = started + args.seconds
        sampler = asyncio.create_task(sample())
        tasks = [asyncio.create_task(self.uploader(n, name)) for n, name in enumerate(self.authors)]
        tasks += [asyncio.create_task(self.listener(n)) for n in range(args.listeners)]
        hard_stop = args.seconds + args.timeout + 30
        done, pending = await asyncio.wait(tasks, timeout=hard_stop)
        cut = +self.inflight  # what the hard stop cancels mid-request or mid-stream
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception() is not None:
                self.notes[f"client task failed: {type(task.exception()).__name__}: {task.exception()}"[:200]] += 1
        elapsed = time.monotonic() - started
        stop.set()
        await sampler
        cpu1, machine1, load1 = _live.cpu_seconds(server_pid), _live.machine_cpu(), os.getloadavg()
        client1 = resource.getrusage(resource.RUSAGE_SELF)
        busy = (machine1[0] - machine0[0]) / max(1, machine1[1] - machine0[1])
        return {
            "window_s": args.seconds, "elapsed_s": round(elapsed, 1), "cut_by_hard_stop": dict(cut),
            "server_rss_start_mb": round(samples["rss_start"], 1), "server_rss_peak_mb": round(samples["rss_peak"], 1),
            "server_rss_end_mb": round(_live.rss_mb(server_pid), 1),
            "server_cpu_cores": round((cpu1 - cpu0) / elapsed, 2),
            "client_cpu_cores": round((client1.ru_utime + client1.ru_stime - client0.ru_utime - client0.ru_stime)
                                      / elapsed, 2),
            "machine_cpu_busy_pct": round(100 * busy, 1), "cpus": os.cpu_count(),
            "loadavg_before": " ".join(f"{v:.2f}" for v in load0),
            "loadavg_after": " ".join(f"{v:.2f}" for v in load1),
            "max_open_websockets": self.max_open_sockets,
        }


async def warm_up(run, username):
    """One whole enrollment turn and one stream before the window (loads the models in the server): not counted."""
    http, rng, notes = Http(run.port, max(180.0, run.args.timeout * 3)), random.Random(0), {}
    started = time.perf_counter()
    response = await asyncio.to_thread(http.login, username, PASSWORD)
    notes["login_ms"] = round((time.perf_counter() - started) * 1000)
    if response.status != 302:
        raise SystemExit(f"warm-up login answered {response.status}: {response.body[:300]!r}")
    http.post_json("/voices/api/consent/", {"language": "zh", "accept": True})
    challenge = http.post_json("/voices/api/challenges/").json()
    shown = http.post_json(f"/voices/api/challenges/{challenge['id']}/sentences/0/show/").json()
    audio, seconds = reading_wav(run.clips[shown["text"]], rng)
    await asyncio.sleep(seconds + 0.5)
    started = time.perf_counter()
    response = await asyncio.to_thread(http.upload, challenge["id"], 0, shown["shown_token"], audio)
    notes["first_upload_ms"] = round((time.perf_counter() - started) * 1000)
    if response.status != 201:
        raise SystemExit(f"warm-up upload answered {response.status}: {response.body[:1000]!r}")
    attempt = response.json()["attempt"]
    notes["first_upload_decision"] = attempt["decision"] + (
        "" if attempt["accepted"] else " (" + ",".join(r["code"] for r in attempt["reasons"] if r["ok"] is False) + ")")
    run.deadline = time.monotonic() + 3600
    session = await run.session(run.articles[0], rng)
    if session["error"]:
        raise SystemExit(f"warm-up listener failed: {session['error']}")
    notes["first_stream_first_chunk_ms"] = round(session["first_chunk"] * 1000)
    return notes


# --- the table --------------------------------------------------------------------------------------------------------

def ms(values, q):
    return round(_live.percentile(values, q) * 1000) if values else None


def upload_rows(run, oversize_mb):
    rows = []
    for kind in LABELS:
        records = [r for r in run.uploads if r["op"] == kind]
        if not records:
            continue
        latencies = [r["seconds"] for r in records if r["error"] is None]
        server = [r["server_seconds"] for r in records if r.get("server_seconds") is not None]
        statuses = Counter(str(r["status"] or "exc") for r in records)
        accepted = sum(r.get("decision") == "accepted" for r in records)
        row = {"uploads": LABELS[kind] + (f" ({oversize_mb:.1f} MB)" if kind == "oversize" else ""), "n": len(records),
               "p50_ms": ms(latencies, 0.5), "p95_ms": ms(latencies, 0.95), "max_ms": ms(latencies, 1.0),
               "verify_p50_ms": ms(server, 0.5), "accepted": accepted,
               "rejected": sum(r.get("decision") == "rejected" and r["status"] == 201 for r in records),
               "refused_4xx": sum(r["status"] is not None and 400 <= r["status"] < 500 for r in records),
               "errors": sum(r["error"] is not None for r in records),
               "statuses": " ".join(f"{k}x{v}" for k, v in sorted(statuses.items()))}
        row["ok"] = row["errors"] == 0 and (kind == "speech" or accepted == 0)
        errors = [r["error"] for r in records if r["error"]]
        if errors:
            row["note"] = errors[0]
        rows.append(row)
    return rows


def verification_stages():
    """Per stage of reading_verify, p50 and max seconds over the examined attempts (from the attempts table: the API
    does not answer the stage times)."""
    from voices.models import ReadingAttempt

    stages = {}
    examined = ReadingAttempt.objects.exclude(decision="refused").order_by("pk")
    for scores in examined.values_list("scores", flat=True)[1:]:
        for stage, seconds in ((scores or {}).get("seconds") or {}).items():
            stages.setdefault(stage, []).append(seconds)
    return {stage: f"p50 {ms(values, 0.5)} ms, max {ms(values, 1.0)} ms" for stage, values in stages.items()
            if ms(values, 1.0) and ms(values, 1.0) >= 50}


def call_rows(run):
    rows = []
    for op in ("login", "consent", "challenge", "show"):
        records = [r for r in run.calls if r["op"] == op]
        if not records:
            continue
        latencies = [r["seconds"] for r in records if r["error"] is None]
        statuses = Counter(str(r["status"] or "exc") for r in records)
        errors = [r["error"] for r in records if r["error"]]
        rows.append({"api_call": op, "n": len(records), "p50_ms": ms(latencies, 0.5), "p95_ms": ms(latencies, 0.95),
                     "max_ms": ms(latencies, 1.0), "errors": len(errors),
                     "statuses": " ".join(f"{k}x{v}" for k, v in sorted(statuses.items())),
                     **({"note": errors[0]} if errors else {})})
    return rows


def listener_row(run):
    sessions = run.sessions
    firsts = [s["first_chunk"] for s in sessions if s["first_chunk"] is not None]
    complete = [s["seconds"] for s in sessions if s["complete"] and not s["error"]]
    errors = [s["error"] for s in sessions if s["error"]]
    row = {"listeners": f"{run.args.listeners} listeners, {run.args.pace}", "sessions": len(sessions),
           "complete": len(complete), "closed_early": sum(s["cut"] for s in sessions),
           "first_chunk_p50_ms": ms(firsts, 0.5), "first_chunk_p99_ms": ms(firsts, 0.99),
           "first_chunk_max_ms": ms(firsts, 1.0), "stream_p50_ms": ms(complete, 0.5),
           "stream_p99_ms": ms(complete, 0.99), "chunks": sum(s["chunks"] for s in sessions),
           "mb": round(sum(s["bytes"] for s in sessions) / 1e6, 1), "errors": len(errors)}
    row["ok"] = not errors
    if errors:
        row["note"] = "; ".join(f"{n}x {e}" for e, n in Counter(errors).most_common(3))
    return row


def server_log(workdir):
    text = (workdir / "daphne.log").read_text(errors="replace") if (workdir / "daphne.log").exists() else ""
    tracebacks = text.count("Traceback (most recent call last)")
    first = None
    if tracebacks:
        start = text.index("Traceback (most recent call last)")
        head = text.rfind("\n", 0, max(0, start - 1))
        block = text[head + 1:].splitlines()
        end = next((i for i, line in enumerate(block[1:], 1) if re.match(r"^\S", line)
                    and not line.startswith(("Traceback", "During handling", "The above")) and i > 2), len(block))
        first = "\n".join(block[:min(end + 1, 80)])
    return {"tracebacks": tracebacks, "error_lines": sum(" ERROR " in line for line in text.splitlines()),
            "first_traceback": first}


def print_table(result):
    def table(rows, columns):
        if not rows:
            return
        widths = {c: max(len(c), *(len("" if r.get(c) is None else str(r.get(c))) for r in rows)) for c in columns}
        print("  ".join(c.ljust(widths[c]) for c in columns))
        for row in rows:
            cells = []
            for c in columns:
                value = row.get(c)
                value = "n/a" if value is None else ("yes" if value is True else "NO" if value is False else value)
                cells.append(str(value).ljust(widths[c]))
            print("  ".join(cells))
            if row.get("note"):
                print("    note:", row["note"])
        print()

    table(result["uploads"], ["uploads", "n", "p50_ms", "p95_ms", "max_ms", "verify_p50_ms", "accepted", "rejected",
                              "refused_4xx", "errors", "statuses", "ok"])
    table(result["api_calls"], ["api_call", "n", "p50_ms", "p95_ms", "max_ms", "errors", "statuses"])
    table([result["listeners"]], ["listeners", "sessions", "complete", "closed_early", "first_chunk_p50_ms",
                                  "first_chunk_p99_ms", "first_chunk_max_ms", "stream_p50_ms", "stream_p99_ms",
                                  "chunks", "mb", "errors", "ok"])
    for key, value in result["server"].items():
        print(f"{key}: {value}")
    for key, value in result["meta"].items():
        print(f"{key}: {value}")
    stages = result["verification_stages (server, warm-up excluded)"]
    if stages:
        print("verification stages (server, warm-up excluded): " + "; ".join(f"{k} {v}" for k, v in stages.items()))
    if result["notes"]:
        print("notes:")
        for note, count in result["notes"].items():
            print(f"  {count}x {note}")
    log = result["server_log"]
    print(f"server log: {log['tracebacks']} traceback(s), {log['error_lines']} ERROR line(s)")
    if log["first_traceback"]:
        print(log["first_traceback"])


# --- main -------------------------------------------------------------------------------------------------------------

def overall_time_limit(signum, frame):
    raise SystemExit("bench/load.py: overall time limit reached (the server is stopped on the way out)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window (nothing new starts after)")
    parser.add_argument("--uploaders", type=int, default=8, help="concurrent authors uploading readings")
    parser.add_argument("--listeners", type=int, default=100, help="concurrent WebSocket listeners")
    parser.add_argument("--articles", type=int, default=2, help="pre-rendered articles the listeners share")
    parser.add_argument("--pace", choices=["realtime", "fast"], default="realtime",
                        help="realtime: ask for chunks at playback speed (a player); fast: as fast as the server "
                             "sends (stress)")
    parser.add_argument("--listen-seconds", type=float, default=20.0,
                        help="--pace realtime: each session is closed after this long")
    parser.add_argument("--bad-every", type=int, default=4, help="every Nth turn uploads a bad file first (0: never)")
    parser.add_argument("--sentences", type=int, default=16, help="readable sentences each author publishes")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one request or one stream may take")
    parser.add_argument("--product-limits", action="store_true",
                        help="keep the product's rate limits and lockout (default: raised for the bench)")
    parser.add_argument("--backlog", type=int, default=1024, help="listen backlog of the server socket")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, audio, logs)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not (1 <= args.seconds <= 1800 and 0 <= args.uploaders <= 64 and 0 <= args.listeners <= 2000
            and 1 <= args.articles <= 20 and 5 <= args.sentences <= 60):
        parser.error("bounds: --seconds 1-1800, --uploaders 0-64, --listeners 0-2000, --articles 1-20, "
                     "--sentences 5-60")
    fd_limit = _live.raise_fd_limit(max(4096, 4 * args.listeners + 512))
    workdir = Path(tempfile.mkdtemp(prefix="readaloud-bench-load-"))
    overrides = configure(workdir, args)
    # A last resort behind every other timeout: the whole run, setup included, cannot outlive this.
    signal.signal(signal.SIGALRM, overall_time_limit)
    signal.alarm(int(900 + args.seconds + args.timeout * 4))
    server = None
    try:
        _live.setup_django()
        from voices.app_settings import DEFAULTS, app_settings

        setup_started = time.perf_counter()
        sentences = sentence_pool(args.sentences)
        authors, drawable = create_authors(args.uploaders + 1, sentences, "reader")
        streamer = create_authors(1, sentences[:6], "writer")[0][0]
        from django.contrib.auth import get_user_model

        writer = get_user_model().objects.get(username=streamer)
        articles = []
        for n in range(args.articles):
            article = _live.publish(writer, f"预先渲染的文章 {n + 1}", "\n\n".join(_live.PARAGRAPHS * 3))
            articles.append(article)
        _live.clear_queue()
        renditions = [_live.synthetic_rendition(a) for a in articles]
        clips, made, synth_seconds = synthesize_pool(drawable)
        bad = bad_files(app_settings.READING_MAX_BYTES)
        setup_seconds = time.perf_counter() - setup_started

        port = _live.free_port()
        server = _live.start_daphne(port, args.backlog, workdir)
        run = Run(args, port, clips, bad, [a.pk for a in articles], random.Random(args.seed))
        run.authors = authors[1:]
        warm = asyncio.run(asyncio.wait_for(warm_up(run, authors[0]), 600))
        server_numbers = asyncio.run(run.measure(server.pid))
        server_numbers["server_rss_after_warmup_mb"] = server_numbers.pop("server_rss_start_mb")
    finally:
        signal.alarm(0)
        _live.stop(server)

    result = {
        "uploads": upload_rows(run, len(bad["oversize"][0]) / 1024 / 1024),
        "api_calls": call_rows(run),
        "listeners": listener_row(run),
        "server": server_numbers,
        "meta": {
            "server": f"daphne, one process, loopback 127.0.0.1:{port}, listen backlog {args.backlog}; no worker "
                      "(verification runs in the upload request)",
            "settings": "hostsite.settings (SQLite WAL, in-memory channel layer, DEBUG off) + VOICES overrides "
                        + json.dumps(overrides) + ("" if args.product_limits else (
                            "; the product's limits: {RATE_LIMIT_PER_HOUR}/hour, {RATE_LIMIT_PER_DAY}/day, lockout "
                            "after {LOCKOUT_AFTER_REJECTIONS} rejections in a row").format(**DEFAULTS)),
            "readings": f"{len(clips)} drawable sentences per author, Kokoro {VOICE} ({made} synthesized now in "
                        f"{synth_seconds:.0f} s, the rest cached in {CACHE.relative_to(REPO)}); "
                        + ("a bad upload first on turns " + ", ".join(
                            [str(t) for t in range(1, 40) if t % args.bad_every == 2 % args.bad_every][:4]) + ", ..."
                           if args.bad_every else "no bad uploads"),
            "articles": f"{args.articles} pre-rendered articles, {renditions[0].sentences_done} chunks / "
                        f"{renditions[0].duration_seconds:.0f} s each (synthetic tone clips)",
            "warm_up (not counted)": ", ".join(f"{k} {v}" for k, v in warm.items()),
            "setup_s": round(setup_seconds, 1), "fd_limit": fd_limit, "python": sys.version.split()[0],
            "command": "python bench/load.py " + " ".join(sys.argv[1:]),
        },
        "verification_stages (server, warm-up excluded)": verification_stages(),
        "notes": dict(run.notes.most_common()),
        "server_log": server_log(workdir),
    }
    if args.keep:
        result["meta"]["workdir"] = str(workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    run.pool.shutdown(wait=False, cancel_futures=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result)
    ok = all(r["ok"] for r in result["uploads"]) and result["listeners"]["ok"] and not any(
        r["errors"] for r in result["api_calls"]) and not result["server_log"]["tracebacks"] and not (
        result["server"]["cut_by_hard_stop"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

