"""Headless Firefox for the browser tests, driven over WebDriver BiDi, which it speaks natively.

Playwright's own Firefox is a download (not possible offline) and its patched build is not the Firefox people use;
Debian's firefox-esr is. This is the small part of BiDi the tests need: navigate, evaluate, wait for a condition,
click like a user (trusted pointer events, so user activation counts) and collect the page's uncaught errors.
Test modules import it as `from tests.firefox_bidi import FIREFOX, FirefoxPage` and skip when FIREFOX is None.
"""

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.live_processes import stop

FIREFOX = next((path for path in ("/usr/bin/firefox-esr", "/usr/bin/firefox") if Path(path).exists()), None)
FIREFOX_MISSING = "Firefox is not installed (tools/ensure_browsers.sh installs firefox-esr)"
FIREFOX_PREFS = {
    "media.autoplay.default": 0,  # allow playback started by script
    "media.autoplay.blocking_policy": 0,
    # An audio output without a sound card: with no output device an AudioContext never starts (resume() hangs).
    "media.cubeb.force_mock_context": True,
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "app.update.disabledForTesting": True,
}
# A microphone without hardware or a permission prompt. Unlike Chromium, Firefox cannot play a file as the
# microphone: its fake device plays a tone.
FAKE_MICROPHONE_PREFS = {
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
}


class BidiError(Exception):
    """A BiDi command that failed, or a script that threw."""


class FirefoxPage:
    """One browsing context of a headless Firefox. Use `async with FirefoxPage.open() as page`."""

    def __init__(self, ws, context=None):
        self.ws, self.context, self.next_id = ws, context, 0
        self.log = []  # log.entryAdded events: console messages and uncaught errors, in order

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, prefs=None):
        """Firefox with FIREFOX_PREFS and `prefs` in a throwaway profile (user.js is read at start-up)."""
        import websockets

        profile = Path(tempfile.mkdtemp(prefix="readaloud-firefox-"))
        (profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                                                 for k, v in {**FIREFOX_PREFS, **(prefs or {})}.items()))
        # Its output goes to a file, not a pipe: nobody reads a pipe once the address is known, and a full one would
        # block Firefox.
        output = profile / "firefox.log"
        with output.open("wb") as sink:
            process = subprocess.Popen([FIREFOX, "--headless", "--no-remote", "--profile", str(profile),
                                        "--remote-debugging-port", "0", "about:blank"],
                                       stdout=sink, stderr=subprocess.STDOUT)
        try:
            address, deadline = None, time.monotonic() + 60
            while address is None and process.poll() is None and time.monotonic() < deadline:
                match = re.search(rb"WebDriver BiDi listening on (ws://\S+)", output.read_bytes())
                address = match and match.group(1).decode()
                await asyncio.sleep(0.1)
            assert address, "Firefox did not start its WebDriver BiDi server:\n" + output.read_text(errors="replace")
            async with websockets.connect(address + "/session", max_size=None) as ws:
                page = cls(ws)
                await page.call("session.new", {"capabilities": {}})
                page.context = (await page.call("browsingContext.getTree", {}))["contexts"][0]["context"]
                await page.call("session.subscribe", {"events": ["log.entryAdded"]})
                yield page
        finally:
            stop(process)
            shutil.rmtree(profile, ignore_errors=True)

    # --- protocol ------------------------------------------------------------------------------------------------

    async def call(self, method, params):
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
            if message.get("method") == "log.entryAdded":
                self.log.append(message["params"])
            elif message.get("id") == self.next_id:
                if message.get("type") == "error":
                    raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    @property
    def errors(self):
        """The page's uncaught exceptions and unhandled rejections (what Playwright calls "pageerror"), as text."""
        return [entry.get("text") or "" for entry in self.log if entry.get("type") == "javascript"]

    @property
    def console(self):
        return [f"{entry.get('level')}: {entry.get('text')}" for entry in self.log if entry.get("type") == "console"]

    # --- page ----------------------------------------------------------------------------------------------------

    async def goto(self, url):
        await self.call("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    async def evaluate(self, expression):
        """The JSON value of a JavaScript expression; a promise is awaited and its value returned."""
        # Serialised in the page: BiDi's own remote values do not nest as plain JSON.
        expression = f"Promise.resolve({expression}).then(JSON.stringify)"
        result = await self.call("script.evaluate", {"expression": expression, "target": {"context": self.context},
                                                     "awaitPromise": True})
        if result["type"] != "success":
            details = result.get("exceptionDetails", {})
            raise BidiError(f"{expression!r} threw: {details.get('text')}")
        value = result["result"].get("value")  # none for undefined
        return None if value is None else json.loads(value)

    async def wait_for(self, expression, *, timeout=20, check=None):
        """Poll until the expression is truthy. Between polls, `check` (an async callable taking the page) may fail
        at once, for an error the page shows, and what it returns goes into the timeout's message. An expression
        that throws counts as not yet: while a new page loads there is no document to ask."""
        deadline, last = time.monotonic() + timeout, None
        while True:
            try:
                if await self.evaluate(f"!!({expression})"):
                    return
            except BidiError as exc:
                last = str(exc)
            seen = await check(self) if check else None
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {expression}: {seen or last}; "
                                     f"page errors: {self.errors}")
            await asyncio.sleep(0.1)

    async def text(self, selector):
        return await self.evaluate(f"document.querySelector({json.dumps(selector)})?.innerText ?? null")

    async def fill(self, selector, value):
        await self.evaluate(f"""(() => {{
          const input = document.querySelector({json.dumps(selector)});
          input.value = {json.dumps(value)};
          input.dispatchEvent(new Event('input', {{bubbles: true}}));
          return true;
        }})()""")

    async def click(self, selector):
        """A real mouse click at the element's centre: trusted events, so the page gets user activation as it would
        from a person (an AudioContext started from a script click could stay suspended)."""
        box = await self.evaluate(f"""(() => {{
          const element = document.querySelector({json.dumps(selector)});
          if (!element) return null;
          element.scrollIntoView({{block: 'center'}});
          const r = element.getBoundingClientRect();
          return {{x: Math.round(r.x + r.width / 2), y: Math.round(r.y + r.height / 2)}};
        }})()""")
        if box is None:
            raise BidiError(f"no element matches {selector}")
        await self.call("input.performActions", {"context": self.context, "actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "x": box["x"], "y": box["y"]},
                        {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}],
        }]})
