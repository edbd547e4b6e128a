"""Starting and stopping ``workbench serve``: on the running loop, until Ctrl-C, or in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import tornado.httpserver
import tornado.netutil

from workbench.generation.base import VideoBackend
from workbench.serve.app import MAX_BODY_BYTES, make_app
from workbench.serve.destinations import DestinationPolicy
from workbench.serve.predictions import KEEP_FINISHED_S, PredictionService

__all__ = ["RunningServer", "ServerThread", "serve", "start_server", "tls_context"]


def _version() -> str:
    try:
        return metadata.version("segment-workbench")
    except metadata.PackageNotFoundError:
        return "0"


@dataclass
class RunningServer:
    """A started server: its URL, its prediction service, and how to stop it."""

    url: str
    service: PredictionService
    http: tornado.httpserver.HTTPServer

    async def stop(self) -> None:
        self.http.stop()
        await self.service.close()
        await self.http.close_all_connections()


async def start_server(
    backend: VideoBackend,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    concurrency: int = 1,
    token: str | None = None,
    keep_s: float = KEEP_FINISHED_S,
    tls: ssl.SSLContext | None = None,
    allow_fetch_from: Sequence[str] = (),
) -> RunningServer:
    """Start serving ``backend`` on the running loop (``port=0`` picks a free port); returns at once.

    ``tls`` (a server-side context with its certificate loaded) serves https, which clients need before
    they send a token to anything but loopback. ``allow_fetch_from`` opens private networks (CIDR, address,
    host name, each with an optional ``:port``) to starting-image URLs and webhooks.
    """
    service = PredictionService(
        backend,
        concurrency=concurrency,
        keep_s=keep_s,
        destinations=DestinationPolicy.from_strings(allow_fetch_from),
    )
    service.start_setup()
    http = tornado.httpserver.HTTPServer(
        make_app(service, token=token, version=_version()),
        max_body_size=MAX_BODY_BYTES + 1,
        ssl_options=tls,
        idle_connection_timeout=3600,
    )
    sockets = tornado.netutil.bind_sockets(port, host)
    http.add_sockets(sockets)
    bound = sockets[0].getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    return RunningServer(f"{'https' if tls else 'http'}://{shown}:{bound[1]}", service, http)


def tls_context(certfile: str, keyfile: str | None = None) -> ssl.SSLContext:
    """A server-side TLS context from a PEM certificate (and key) for ``workbench serve --certfile``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    return context


def serve(
    backend: VideoBackend,
    *,
    on_start: Callable[[RunningServer], None] | None = None,
    **options: Any,
) -> None:
    """Serve until interrupted (``workbench serve``); ``on_start(server)`` is called once it listens."""

    async def main() -> None:
        server = await start_server(backend, **options)
        if on_start is not None:
            on_start(server)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


class ServerThread:
    """A server on its own event loop in a background thread: ``with ServerThread(backend) as s: s.url``.

    For notebooks that serve a model from the same machine, tests and benchmarks: the server's work never
    runs on the caller's event loop.
    """

    def __init__(self, backend: VideoBackend, **options: Any) -> None:
        self.backend, self.options = backend, {"port": 0, **options}
        self.server: RunningServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="workbench-serve", daemon=True)

    @property
    def url(self) -> str:
        assert self.server is not None, "the server is not running"
        return self.server.url

    def call(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` on the server's loop and return its result (tests poke the service safely)."""
        assert self._loop is not None
        done: asyncio.Future[Any] = asyncio.run_coroutine_threadsafe(_call(function), self._loop)  # type: ignore[assignment]
        return done.result(30)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _main(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            try:
                self.server = await start_server(self.backend, **self.options)
            except BaseException as exc:
                self._error = exc
                raise
            finally:
                self._ready.set()
            await self._stop.wait()
            await self.server.stop()

        with contextlib.suppress(Exception):
            asyncio.run(main())


async def _call(function: Callable[[], Any]) -> Any:
    return function()
