"""The batch notebook (package data, so an installed workbench can run batches) and the steps it calls.

The notebook runs a batch and reports on it when run on its own (papermill, or top to bottom in JupyterLab);
``workbench batch`` runs the batch itself (live progress in the terminal, a clean Ctrl-C) and runs the notebook
only to report, with ``batch_id`` set.
"""

from __future__ import annotations

import sys
from pathlib import Path

from workbench.batch.parameters import BatchParameters

__all__ = ["DEFAULT_NOTEBOOK", "run_for_notebook"]

#: The batch notebook, inside the package (``notebooks/batch_regenerate.ipynb`` links to it in a checkout).
DEFAULT_NOTEBOOK = Path(__file__).resolve().parent / "batch_regenerate.ipynb"


async def run_for_notebook(params: BatchParameters) -> str:
    """Run the batch the parameters describe (unless ``batch_id`` names a finished one); returns its id.

    Progress goes to the cell's output one line per take start and end (papermill's ``--log-output`` shows it
    live); the results are added to the dataset under ``output_dir``.
    """
    from workbench.batch.cluster import open_executor
    from workbench.batch.results import results_table, write_results
    from workbench.batch.run import run_batch
    from workbench.batch.terminal import TerminalProgress

    if params.batch_id:
        return params.batch_id
    store = params.open_store()
    with open_executor(params.executor_address, workers=params.renders_at_once) as executor:
        result = await run_batch(
            store,
            params.request(),
            concurrency=params.renders_at_once,
            executor=executor,
            on_update=TerminalProgress(sys.stdout, live=False),
        )
    write_results(results_table(result), params.output_dir)
    return result.batch_id
