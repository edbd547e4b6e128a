"""``workbench metrics backfill --store DIR``: measure the takes stored before take metrics existed (or at an
older metrics version), with one line of progress per take, so reports and the takes list can rank them."""

from __future__ import annotations

import argparse
import sys

from workbench.jobs.metrics import backfill_metrics

__all__ = ["add_metrics_parser", "run_backfill_command"]


def add_metrics_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    metrics = commands.add_parser("metrics", help="take metrics (motion, adherence, similarity, ...)")
    metrics_commands = metrics.add_subparsers(dest="metrics_command", required=True)
    p = metrics_commands.add_parser(
        "backfill", help="measure the takes that have no metrics of the current version yet"
    )
    p.add_argument("--store", required=True, help="the lecture store folder")
    p.add_argument("--lecture", action="append", dest="lecture_ids", help="a lecture id (repeatable)")
    p.add_argument("--force", action="store_true", help="measure every take again, measured or not")
    p.set_defaults(run=run_backfill_command)


def run_backfill_command(args: argparse.Namespace) -> int:
    """Exit 0 when every take wanted is measured, 1 when some could not be (each named with why)."""
    from workbench.store import open_store

    store = open_store(args.store)

    def progress(done: int, total: int, take_id: str) -> None:
        outcome = "measured" if store.take_metrics(take_id) is not None else "could not be measured"
        print(f"[{done}/{total}] {take_id} {outcome}", flush=True)

    report = backfill_metrics(store, args.lecture_ids, force=args.force, on_progress=progress)
    print(
        f"Measured {len(report.measured)} take(s); {len(report.skipped)} already had metrics; "
        f"{len(report.failed)} could not be measured."
    )
    for take_id, why in report.failed:
        print(f"  {take_id}: {why}", file=sys.stderr)
    if report.failed:
        print("Those takes are unchanged; check their files, then run this again.", file=sys.stderr)
    return 1 if report.failed else 0
