"""``workbench batch``: check everything first, run the batch here with live progress, then write the report.

Every mistake that can be found before work starts is (store, lectures, segments, query, template, models and
their settings, executor, concurrency, an empty selection, the report notebook): one line on stderr, exit code
2, nothing written. The batch then runs in this process (per-take progress on stderr; Ctrl-C cancels cleanly:
renders stop, their half-written files are removed, exit 130), its rows are added to the results dataset, and
the batch notebook is executed with papermill only to build the report (``report.ipynb`` and ``report.html``).

Exit codes: 0 done; 1 some items failed (unless ``--allow-failures``) or the report could not be written;
2 a mistake found before starting; 130 interrupted.

There is deliberately no flag for tokens: hosted models read them from environment variables, so they never
land in the executed notebook or its HTML.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.errors import InvalidSettingError, WorkbenchError

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_MISTAKE", "add_batch_parser", "run_batch_command"]

EXIT_FAILED, EXIT_MISTAKE, EXIT_INTERRUPTED = 1, 2, 130

EXAMPLES = """\
examples:
  workbench batch --store demo-store --demo --dry-run
      make the demo store if missing, and show what would run (settings and where each came from)
  workbench batch --store my-store --lecture lenses-101 --set duration_s=4 --variant '{"seed": 1}' --variant '{"seed": 2}'
      two seeds per segment of one lecture, 4 s each; previews stay pending for review
  workbench batch --store my-store --query "has_starting_image and duration_s > 3" --template "{movie_directions}, then slow push-in"
      rewrite the directions of the long segments
  workbench batch --store my-store --variant '{"model": "local-camera"}' --variant '{"model": "wan-i2v"}' --policy accept-passing
      compare two models; commit the first take that passes its checks
  workbench batch --store my-store --executor tcp://10.0.0.5:8786 --concurrency 8
      render on a Dask cluster

The report: OUTPUT_DIR/report.html (videos in OUTPUT_DIR/media); every batch adds a file to the results dataset
OUTPUT_DIR/results (pandas.read_parquet or duckdb read the folder as one table). Running the same command again
skips what already produced a take.
exit codes: 0 done, 1 items failed (see --allow-failures), 2 a mistake found before starting, 130 interrupted
"""


def add_batch_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from workbench.batch.request import ReviewPolicy

    p = commands.add_parser(
        "batch",
        help="regenerate many segments unattended and write a report",
        description="Regenerate many segments unattended and write a report.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--store", required=True, help="the lecture store folder")
    p.add_argument("--demo", action="store_true", help="create the demo store at --store if there is none")
    p.add_argument("--lecture", action="append", dest="lecture_ids", help="a lecture id (repeatable)")
    p.add_argument("--asset", action="append", dest="asset_ids", help="a segment id (repeatable)")
    p.add_argument("--query", help='pandas query over store.segments(), e.g. "duration_s > 3"')
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override for every item, e.g. duration_s=4",
    )
    p.add_argument(
        "--template",
        dest="directions_template",
        help='directions template, e.g. "{movie_directions}, slow push-in"',
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="JSON",
        help="a variant, e.g. '{\"seed\": 2}' (repeatable)",
    )
    p.add_argument(
        "--images",
        action="store_true",
        help="regenerate starting images instead of videos (--set takes prompt, model, size, seed)",
    )
    p.add_argument("--policy", default="review", choices=[x.value for x in ReviewPolicy])
    p.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="renders at once (default: the machine's cores + 1 in worker processes or a local cluster; "
        "2 with --executor threads or a remote cluster)",
    )
    p.add_argument(
        "--executor",
        dest="executor_address",
        help='where renders run: worker processes here (default), "threads" (this process), "local-cluster" '
        "(Dask) or a Dask scheduler address",
    )
    p.add_argument("--output-dir", default="batch-output", help="where the report and the results dataset go")
    p.add_argument("--allow-failures", action="store_true", help="exit 0 even if some items failed")
    p.add_argument(
        "--dry-run", action="store_true", help="print the plan (settings and their sources) and stop"
    )
    p.add_argument("--no-report", action="store_true", help="write the results dataset only, no report")
    p.add_argument(
        "--notebook", default=None, help="a report notebook of your own (default: the built-in one)"
    )
    p.add_argument(
        "--timeout", type=int, default=None, help="per-cell timeout of the report notebook (seconds)"
    )
    p.set_defaults(run=run_batch_command)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parameters_from(args: argparse.Namespace) -> Any:
    """The typed, checked parameters the flags describe (raises a WorkbenchError in words)."""
    from workbench.batch.parameters import BatchParameters

    overrides: dict[str, Any] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidSettingError(f"--set {item!r} needs the form FIELD=VALUE, e.g. duration_s=4.")
        overrides[name.strip()] = _value(value)
    variants = []
    for text in args.variant:
        value = _value(text)
        if not isinstance(value, dict):
            raise InvalidSettingError(f"--variant {text!r} must be a JSON object, e.g. '{{\"seed\": 2}}'.")
        variants.append(value)
    return BatchParameters.from_values(
        {
            "store_path": str(Path(args.store).expanduser().resolve()),
            "demo": args.demo,
            "lecture_ids": args.lecture_ids,
            "asset_ids": args.asset_ids,
            "query": args.query,
            "overrides": overrides,
            "directions_template": args.directions_template,
            "variants": variants or [{}],
            "policy": args.policy,
            "images": args.images,
            "concurrency": args.concurrency,
            "executor_address": args.executor_address,
            "output_dir": str(Path(args.output_dir).expanduser().resolve()),
            "allow_failures": args.allow_failures,
        }
    )


def run_batch_command(args: argparse.Namespace) -> int:
    try:
        params = parameters_from(args)
        notebook = _report_notebook(args.notebook)
        store = params.open_store()
        from workbench.batch.cluster import check_executor

        check_executor(params.executor_address)
        plan = asyncio.run(_plan(store, params))
    except WorkbenchError as exc:
        return _mistake(str(exc))
    if args.dry_run:
        from workbench.batch.terminal import format_plan

        print(format_plan(plan))
        return EXIT_MISTAKE if plan["error"].notna().any() else 0
    problem = _plan_problem(plan, params)
    if problem:
        return _mistake(problem)
    try:
        Path(params.output_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _mistake(f"Cannot create the output folder {params.output_dir}: {exc.strerror or exc}.")

    from workbench.batch.terminal import TerminalProgress

    progress = TerminalProgress(sys.stderr)
    runs = int(plan["will_run"].sum())
    print(
        f"Batch: {len(plan)} items over {plan['asset_id'].nunique()} segments ({runs} to generate, "
        f"{len(plan) - runs} done before), {params.renders_at_once} at a time.",
        file=sys.stderr,
    )
    try:
        result = asyncio.run(_run(store, params, progress))
    except KeyboardInterrupt:
        progress.close()
        print(
            f"Interrupted: {progress.done} of {len(plan)} items had finished (their takes are kept); running "
            "renders were cancelled and their half-written files removed. Run the same command to go on.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        progress.close()

    from workbench.batch.results import results_folder, results_table, write_results

    written = write_results(results_table(result), params.output_dir)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items()))
    code = EXIT_FAILED if result.failed and not params.allow_failures else 0
    report = None
    if not args.no_report:
        try:
            report = _write_report(notebook, params, result.batch_id, args.timeout)
        except KeyboardInterrupt:
            print(
                f"Interrupted while writing the report; the results are saved in {written}.", file=sys.stderr
            )
            return EXIT_INTERRUPTED
        except Exception as exc:  # the report is extra: say so, keep the results
            print(f"error: the report could not be written: {_one_line(str(exc))}", file=sys.stderr)
            code = EXIT_FAILED
    if report is not None:
        print(f"Report: {report} (and {report.with_suffix('.ipynb')})")
    print(f"Results: {written} (dataset: {results_folder(params.output_dir)})")
    print(f"Items: {counts or 'none'}")
    return code


async def _plan(store: Any, params: Any) -> Any:
    from workbench.batch.plan import plan_batch
    from workbench.jobs.runner import Runner

    runner = Runner(store)
    try:
        return plan_batch(runner, params.request())
    finally:
        await runner.shutdown()


def _plan_problem(plan: Any, params: Any) -> str | None:
    """What makes the plan impossible to start, in one line (``None``: it can start)."""
    if plan.empty:
        return (
            "Nothing to regenerate: the selection matches no segment. Check --lecture, --asset and --query "
            "(`--dry-run` shows the selection)."
        )
    refused = plan[plan["error"].notna()]
    if refused.empty:
        return None
    first = refused.iloc[0]
    return (
        f"{first['asset_id']} · variant {first['variant']}: {first['error']} ({len(refused)} of {len(plan)} items "
        "refused; `--dry-run` lists them)"
    )


async def _run(store: Any, params: Any, progress: Any) -> Any:
    from workbench.batch.cluster import open_executor
    from workbench.batch.run import run_batch

    with open_executor(params.executor_address, workers=params.renders_at_once) as executor:
        return await run_batch(
            store, params.request(), concurrency=params.renders_at_once, executor=executor, on_update=progress
        )


def _report_notebook(path: str | None) -> Path:
    from workbench.batch.notebook import DEFAULT_NOTEBOOK

    notebook = Path(path).expanduser() if path else DEFAULT_NOTEBOOK
    if not notebook.is_file():
        raise InvalidSettingError(f"The report notebook {notebook} does not exist.")
    try:
        content = json.loads(notebook.read_text(encoding="utf-8"))
        cells = content["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidSettingError(f"The report notebook {notebook} is not a notebook ({exc}).") from None
    if not any("parameters" in (c.get("metadata", {}).get("tags") or []) for c in cells):
        raise InvalidSettingError(f"The report notebook {notebook} has no cell tagged 'parameters'.")
    return notebook


def _write_report(notebook: Path, params: Any, batch_id: str, timeout: int | None) -> Path:
    """Execute the report notebook for ``batch_id`` into the output folder and export it; returns the HTML."""
    import dataclasses

    import papermill

    from workbench.batch.report.export import export_html

    print("Writing the report…", file=sys.stderr)
    output_dir = Path(params.output_dir)
    final = output_dir / "report.ipynb"
    partial = output_dir / ".report.partial.ipynb"
    values = {**dataclasses.asdict(params), "batch_id": batch_id, "allow_failures": True}
    try:
        failure, kernel_said = None, ""
        with _stderr_to_file() as kernel_log:
            try:
                papermill.execute_notebook(
                    str(notebook),
                    str(partial),
                    parameters=values,
                    cwd=str(output_dir),
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                )
            except Exception as exc:
                failure, kernel_said = exc, kernel_log.read_text(errors="replace")[-4000:]
        if failure is not None:
            sys.stderr.write(kernel_said)
            raise failure
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    return export_html(final)


@contextlib.contextmanager
def _stderr_to_file() -> Iterator[Path]:
    """Send this process's stderr (file descriptor 2, which the report's kernel inherits) to a temporary file:
    the kernel's start-up chatter stays out of the terminal unless the report fails."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.NamedTemporaryFile(prefix="workbench-report-", suffix=".log", delete=False) as log:
        path = Path(log.name)
        os.dup2(log.fileno(), 2)
    try:
        yield path
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        path.unlink(missing_ok=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _mistake(message: str) -> int:
    print(f"error: {_one_line(message)}", file=sys.stderr)
    return EXIT_MISTAKE
