"""Where the batch notebook lives, for ``workbench batch`` (papermill runs it)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_NOTEBOOK"]

#: The batch notebook in a source checkout.
DEFAULT_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "batch_regenerate.ipynb"
