"""``workbench serve``: the command line of the Cog-compatible server."""

from __future__ import annotations

import argparse
import os
import sys

from workbench.errors import WorkbenchError

__all__ = ["add_serve_parser"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _serve(args: argparse.Namespace) -> int:
    from workbench.generation.registry import default_registry
    from workbench.serve.destinations import AllowEntry
    from workbench.serve.server import RunningServer, serve, tls_context

    backend = default_registry(args.store).get(args.model)
    token = None
    if args.token_env:
        token = os.environ.get(args.token_env, "").strip()
        if not token:
            raise WorkbenchError(
                f"--token-env names {args.token_env}, which is not set. Set it, then start again."
            )
    for entry in args.allow_fetch_from:
        try:
            AllowEntry.parse(entry)
        except ValueError as exc:
            raise WorkbenchError(
                f"--allow-fetch-from {exc}. Give a network (10.0.0.0/8), an address or a host name."
            ) from None
    if args.concurrency < 1:
        raise WorkbenchError("--concurrency must be at least 1.")
    tls = tls_context(args.certfile, args.keyfile) if args.certfile else None
    if args.token_env and not tls and args.host not in _LOOPBACK:
        print("warning: the token travels in clear text without --certfile (https).", file=sys.stderr)
    if not args.token_env and args.host not in _LOOPBACK:
        print(
            f"warning: serving on {args.host} without --token-env: anyone who can reach this port can use it.",
            file=sys.stderr,
        )

    def announce(server: RunningServer) -> None:
        print(
            f"Serving {backend.info.name!r} on {server.url} (Cog predictions API, {args.concurrency} at a time). "
            "Ctrl-C stops.",
            flush=True,
        )

    serve(
        backend,
        host=args.host,
        port=args.port,
        concurrency=args.concurrency,
        token=token,
        tls=tls,
        allow_fetch_from=tuple(args.allow_fetch_from),
        on_start=announce,
    )
    return 0


def add_serve_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from workbench.domain.defaults import DEFAULT_VIDEO_MODEL

    serve = commands.add_parser(
        "serve",
        help="serve a video model over Cog's predictions API (for a GPU machine shared by many notebooks)",
    )
    serve.add_argument("--model", default=DEFAULT_VIDEO_MODEL, help="the registered model to serve")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=5000, help="port (0 picks a free one and prints it)")
    serve.add_argument("--concurrency", type=int, default=1, help="predictions at once; more get 409 Busy")
    serve.add_argument("--store", default=None, help="a store whose models.json models may also be served")
    serve.add_argument(
        "--token-env",
        default=None,
        help="require 'Authorization: Bearer <token>' with the token in this env var",
    )
    serve.add_argument("--certfile", default=None, help="PEM certificate (chain) to serve https")
    serve.add_argument("--keyfile", default=None, help="PEM private key, if not in --certfile")
    serve.add_argument(
        "--allow-fetch-from",
        action="append",
        default=[],
        metavar="NETWORK[:PORT]",
        help="also fetch starting images (and call webhooks) on this private network, address or host "
        "(repeatable; public addresses are always allowed, private ones never otherwise)",
    )
    serve.set_defaults(run=_serve)
