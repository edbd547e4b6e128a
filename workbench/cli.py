"""The ``workbench`` command: ``workbench demo init DIR``, ``workbench batch ...``, ``workbench serve`` and
``workbench metrics backfill``."""

from __future__ import annotations

import argparse
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
    from workbench.serve.cli import add_serve_parser

    add_serve_parser(commands)
    from workbench.jobs.metrics_cli import add_metrics_parser

    add_metrics_parser(commands)
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
