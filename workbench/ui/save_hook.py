"""A Jupyter server pre-save hook: notebooks that ask for it are saved without outputs.

The review notebook is a tool kept in git, not a record: its outputs are live widgets and a table, and
JupyterLab's autosave would otherwise write them into ``review.ipynb`` every couple of minutes (git then shows
it modified). A notebook opts in with ``{"workbench": {"strip_outputs_on_save": true}}`` in its metadata;
every other notebook is saved untouched. ``make venv`` installs the hook into the venv's server config
(``etc/jupyter/jupyter_server_config.json``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["STRIP_KEY", "strip_outputs_on_save"]

STRIP_KEY = "strip_outputs_on_save"


def strip_outputs_on_save(*, model: dict[str, Any], path: str = "", **_: Any) -> None:
    """Clear outputs, execution counts and saved widget state of notebooks that opt in (see module doc)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    content = model["content"]
    metadata = content.get("metadata") or {}
    if not (metadata.get("workbench") or {}).get(STRIP_KEY):
        return
    metadata.pop("widgets", None)
    for cell in content.get("cells") or []:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
