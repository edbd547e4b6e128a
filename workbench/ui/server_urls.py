"""Where the browser can fetch the store's files: the Jupyter server's ``/files/`` handler.

URLs are root-relative (``/files/<store path>/...``, with the server's base URL) so the browser resolves them
against the page's own origin and sends its own cookies, whatever host name the user typed. The Jupyter
server that started this kernel is found from its runtime file (``jpserver-<pid>.json``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = ["MediaLocation", "locate_media"]


@dataclass(frozen=True)
class MediaLocation:
    base_url: str
    #: Why the browser cannot load the store's files, or ``None`` when it can.
    problem: str | None = None


def _servers() -> list[dict]:
    """Running Jupyter servers, from their ``jpserver-*.json`` runtime files.

    This is what ``jupyter_server.serverapp.list_running_servers`` reads, without importing the server: that
    import pulls in jupyter_events and jsonschema, whose format checkers compile dozens of grammars, and cost
    the workbench's first open seven seconds in the kernel.
    """
    try:
        from jupyter_core.paths import jupyter_runtime_dir
    except ImportError:
        return []
    found = []
    for path in sorted(Path(jupyter_runtime_dir()).glob("jpserver-*.json")):
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written, or unreadable: not a server we can use
        if isinstance(info, dict) and _alive(info.get("pid")):
            found.append(info)
    return found


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def locate_media(store_root: Path, *, servers: list[dict] | None = None) -> MediaLocation:
    """The base URL for ``store_root``'s files, preferring the server that started this kernel."""
    root = store_root.resolve()
    candidates = _servers() if servers is None else servers
    parent = os.getppid()
    candidates = sorted(candidates, key=lambda s: s.get("pid") != parent)
    for server in candidates:
        server_root = Path(server.get("root_dir") or server.get("notebook_dir") or "/").resolve()
        if root.is_relative_to(server_root):
            rel = root.relative_to(server_root).as_posix()
            base = server.get("base_url", "/")
            path = "/".join(quote(p) for p in rel.split("/") if p and p != ".")
            return MediaLocation(f"{base}files/{path}/" if path else f"{base}files/")
    fallback = root.as_uri() + "/"
    if candidates:
        return MediaLocation(
            fallback,
            f"The store {root} is outside the Jupyter server's folder, so the browser cannot play its videos. "
            "Start JupyterLab from a folder that contains the store.",
        )
    return MediaLocation(fallback, None)
