"""How long a page takes to open in headless Chromium, measured inside Chromium (DevTools protocol).

Chromium runs with `--remote-debugging-pipe`: DevTools protocol messages, JSON separated by NUL
bytes, go in on file descriptor 3 and come out on 4, so the standard library is enough (no
websocket client). For each page: Chromium is started with a fresh profile on about:blank
("start": launch until the blank page's target answers), then `Page.navigate` to the page and
the wall time until `Page.loadEventFired` ("navigate"); the page's own Navigation Timing and
Paint Timing entries (milliseconds from the navigation's start: response end, DOM interactive,
DOMContentLoaded end, load event end, first contentful paint) are read with `Runtime.evaluate`
once it has loaded, after a forced layout of the whole document.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-extensions", "--mute-audio"]

TIMING_JS = """(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime]));
  const height = document.documentElement.scrollHeight;  /* forces a layout of the whole page */
  return JSON.stringify({responseEnd: nav.responseEnd, domInteractive: nav.domInteractive,
    domContentLoaded: nav.domContentLoadedEventEnd, loadEventEnd: nav.loadEventEnd,
    firstContentfulPaint: paint['first-contentful-paint'] ?? null, height: height,
    verdict: !!document.getElementById('verdict'), nodes: document.getElementsByTagName('*').length});
})()"""


@dataclass(frozen=True, slots=True)
class PageTiming:
    """One page opened in a fresh Chromium: wall seconds, and the page's own timing in ms."""

    start: float
    navigate: float
    timing: dict[str, Any]


class DevTools:
    """A Chromium process and its DevTools pipe: `call` sends a command and waits for its answer."""

    def __init__(self, chromium: str, profile: str) -> None:
        to_chromium, self._write = os.pipe()
        self._read, from_chromium = os.pipe()

        def onto_3_and_4() -> None:  # Chromium reads commands on its fd 3 and writes on its fd 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chromium, from_chromium)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.process = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=onto_3_and_4)  # noqa: PLW1509 - the bench is single-threaded here
        os.close(to_chromium)
        os.close(from_chromium)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for n, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(n)
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self.events.append(self._receive())

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)  # type: ignore[no-any-return]

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._write)
        os.close(self._read)


def open_page(chromium: str, page: Path) -> PageTiming:
    """Start Chromium on about:blank, then navigate to `page` and time it (see the module's docstring)."""
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
        began = time.perf_counter()
        tools = DevTools(chromium, profile)
        try:
            target = next(t for t in tools.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
            session = tools.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]
            tools.call("Page.enable", session=session)
            started = time.perf_counter()
            tools.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
            tools.wait_event("Page.loadEventFired")
            loaded = time.perf_counter()
            value = tools.call("Runtime.evaluate", {"expression": TIMING_JS, "returnByValue": True}, session=session)
            timing = json.loads(value["result"]["value"])
        finally:
            tools.close()
    return PageTiming(start=started - began, navigate=loaded - started, timing=timing)
