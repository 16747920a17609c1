"""Run an emulator on a real socket: in the foreground for `emulator serve`, or in a thread
for tests where a real connection matters (timeouts, dropped connections)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def make_server(app: Any, host: str = "127.0.0.1", port: int = 0) -> tuple[uvicorn.Server, socket.socket]:
    """A uvicorn server bound to `host:port` (0: a free port), with its listening socket."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: accepted sockets get TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config), sock


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` in a background thread; yields its base URL and stops it on exit."""
    server, sock = make_server(app, host, port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the emulator did not start within 10 seconds")
        time.sleep(0.01)
    url = f"http://{host}:{sock.getsockname()[1]}"
    if hasattr(app, "bind_url"):
        app.bind_url(url)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
