"""Run an emulator on a real socket: in the foreground for `emulator serve`, or in a thread
for tests where a real connection matters (timeouts, dropped connections, a server restart)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
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


class ServedApp:
    """An app served from a background thread, which can go down and come back on the same port
    (`restart`), as a Twenty server does when it is redeployed or crashes. `make_app` builds the
    app each time it starts: over the same SQLite file, it is the same workspace again, with
    what lives only in memory (rate-limit buckets, signing secret, uploads under way) lost."""

    def __init__(self, make_app: Callable[[], Any], host: str = "127.0.0.1", port: int = 0) -> None:
        self.make_app = make_app
        self.host = host
        self.port = port
        self.app: Any = None
        self.restarts = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Build the app and serve it; returns the base URL (the same after every restart)."""
        app = self.make_app()
        server, sock = make_server(app, self.host, self.port)
        self.port = sock.getsockname()[1]
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                server.should_exit = True
                raise RuntimeError(f"the emulator did not start on {self.host}:{self.port} within 10 seconds")
            time.sleep(0.01)
        if hasattr(app, "bind_url"):
            app.bind_url(self.url)
        self.app, self._server, self._thread = app, server, thread
        return self.url

    def stop(self, *, abrupt: bool = False) -> None:
        """Stop serving. `abrupt`: requests under way are cut off (their connections drop) rather
        than answered, as when the process dies."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        if abrupt:  # every connection reset at once, then whatever still runs is cancelled
            server.config.timeout_graceful_shutdown = 0
            connections = list(server.server_state.connections)
            if connections:
                done = threading.Event()

                def reset_all() -> None:
                    for connection in connections:
                        connection.transport.abort()
                    done.set()

                connections[0].loop.call_soon_threadsafe(reset_all)
                done.wait(timeout=5)
        server.should_exit = True
        thread.join(timeout=10)
        self._server = self._thread = None
        store = getattr(getattr(self.app, "workspace", None), "store", None)
        if abrupt and store is not None:
            store.conn.close()  # a crashed process holds no connection to its database

    def restart(self, down_for: float = 0.0) -> Any:
        """Stop abruptly, stay down `down_for` seconds (connections are refused), start again on
        the same port; returns the new app."""
        self.stop(abrupt=True)
        time.sleep(down_for)
        self.start()
        self.restarts += 1
        return self.app

    def __enter__(self) -> ServedApp:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` in a background thread; yields its base URL and stops it on exit."""
    with ServedApp(lambda: app, host, port) as served:
        yield served.url
