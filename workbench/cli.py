"""The ``workbench`` command: ``workbench demo init DIR``, ``workbench batch ...`` and ``workbench serve``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from workbench.errors import WorkbenchError

__all__ = ["main"]


def _demo_init(args: argparse.Namespace) -> int:
    from workbench.demo.builder import init_demo_store

    result = init_demo_store(args.directory)
    print(result.message)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from workbench.generation.http.cog_server import RunningServer, serve, tls_context
    from workbench.generation.registry import default_registry

    backend = default_registry(args.store).get(args.model)
    token = None
    if args.token_env:
        token = os.environ.get(args.token_env, "").strip()
        if not token:
            raise WorkbenchError(
                f"--token-env names {args.token_env}, which is not set. Set it, then start again."
            )
    tls = tls_context(args.certfile, args.keyfile) if args.certfile else None
    if args.token_env and not tls and args.host not in ("127.0.0.1", "localhost", "::1"):
        print("warning: the token travels in clear text without --certfile (https).", file=sys.stderr)
    if not args.token_env and args.host not in ("127.0.0.1", "localhost", "::1"):
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
        on_start=announce,
    )
    return 0


def _add_serve_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    serve.set_defaults(run=_serve)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line mistakes: ``workbench batch: error: … (see workbench batch --help)``, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("segment-workbench")
    except PackageNotFoundError:  # running from a source tree that was never installed
        from workbench import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description="Segment Workbench command line.")
    parser.add_argument("--version", action="version", version=f"workbench {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="the demo store")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True)
    init = demo_commands.add_parser("init", help="create a demo store with one six-segment lecture")
    init.add_argument("directory", help="folder to create (left unchanged if it already holds the demo)")
    init.set_defaults(run=_demo_init)
    from workbench.batch.cli import add_batch_parser

    add_batch_parser(commands)
    _add_serve_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
