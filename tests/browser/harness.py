"""Real-browser harness: an isolated JupyterLab server plus Playwright helpers for Debian's Chromium.

Why this exists: widget bugs in this project (keyboard leaks, teleported Vuetify overlays, detached
outputs under virtual notebook rendering, video served from ``/files/``) only show up in a real
JupyterLab frontend, so unit tests with ``DummyComm`` cannot catch them.

Design choices (see /work/shared/notes/jupyter-facts.md for the background facts):

* The server runs with Galata-like settings (no token, no password, no XSRF, ``window.jupyterapp``
  exposed) and fully isolated Jupyter/IPython directories, so the developer's own settings and
  kernels never leak into a test run.
* Notebook windowing is forced to ``"none"`` through a *settings override* written to
  ``<JUPYTER_CONFIG_DIR>/labconfig/default_setting_overrides.json``; jupyterlab_server merges it into
  the schema defaults (``settings_utils._get_overrides``), so every cell stays attached to the DOM.
* The notebook kernel is pinned to ``sys.executable`` via a kernelspec in the temporary data dir.
* Everything the tests need from the page goes through ``window.jupyterapp`` (commands, the
  notebook model) rather than fragile DOM scraping; widget assertions use DOM locators scoped to
  rendered outputs so they never match the notebook's source text.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
from playwright.sync_api import Browser, ConsoleMessage, Error, Locator, Page, Playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM_PATH = Path("/usr/bin/chromium")

#: Flags for headless Debian Chromium: no sandbox/GPU, no background traffic (there is no network),
#: and autoplay allowed so ``video.play()`` needs no user gesture.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
)

LIGHT_THEME = "JupyterLab Light"
DARK_THEME = "JupyterLab Dark"

#: Schema-default overrides for the test server. ``windowingMode: none`` keeps every cell (and its
#: widget outputs, iframes, <video>) attached; the notification settings stop the "fetch news?" toast
#: from covering the page in screenshots and from trying to reach the internet.
SETTING_OVERRIDES: dict[str, dict[str, Any]] = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}

DEFAULT_TIMEOUT_MS = 30_000
KERNEL_NAME = "python3"


def free_port() -> int:
    """Ask the OS for a currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _descendants(pid: int) -> list[int]:
    """All live descendant pids of ``pid`` (kernels run in their own sessions, so killpg misses them)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 is the ppid; the command name (field 2) may contain spaces, so split after ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs (zombies count as gone: without an init reaper they linger)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class JupyterLabServer:
    """A throw-away ``jupyter lab`` on 127.0.0.1 with isolated settings; use as a context manager.

    Attributes after :meth:`start`: ``url`` (``http://127.0.0.1:<port>/``, ends with ``/``),
    ``base_url`` (``/``), ``root_dir`` (the notebook root, a temp dir), ``log_path`` (server stdout and
    stderr), ``home`` (the temp dir holding everything, removed by :meth:`stop` unless ``keep``).
    """

    def __init__(
        self,
        *,
        base_dir: Path | None = None,
        setting_overrides: dict[str, dict[str, Any]] | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 90.0,
        keep: bool = False,
    ) -> None:
        self._base_dir = base_dir
        self.setting_overrides = SETTING_OVERRIDES if setting_overrides is None else setting_overrides
        self.extra_args = tuple(extra_args)
        self.startup_timeout = startup_timeout
        self.keep = keep
        self.port = 0
        self.base_url = "/"
        self.home = Path()
        self.root_dir = Path()
        self.log_path = Path()
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    @property
    def url(self) -> str:
        """Absolute server URL ending in ``/`` (for ``page.goto`` and absolute ``/files/`` links)."""
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def files_url(self, path: str, **query: str) -> str:
        """Absolute ``/files/`` URL of a path under ``root_dir`` (query like ``v="1"``)."""
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        return f"{self.url}files/{path}" + (f"?{qs}" if qs else "")

    # -- lifecycle -------------------------------------------------------------------------------------

    def _prepare_dirs(self) -> dict[str, str]:
        """Create the isolated Jupyter/IPython dirs, kernelspec and overrides; return the env to use."""
        self.home = Path(tempfile.mkdtemp(prefix="wb-jlab-", dir=self._base_dir))
        dirs = {
            name: self.home / name
            for name in ("root", "config", "data", "runtime", "settings", "workspaces", "ipython")
        }
        for d in dirs.values():
            d.mkdir()
        self.root_dir = dirs["root"]
        self.log_path = self.home / "jupyter-lab.log"

        # Pin the notebook kernel to this interpreter. With JUPYTER_PREFER_ENV_PATH=0 (see below) the user
        # data dir comes first on jupyter_path, so this spec wins over <sys.prefix>/share/jupyter/kernels.
        spec_dir = dirs["data"] / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (workbench tests)",
            "language": "python",
            "metadata": {"debugger": True},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))

        # Schema-default overrides: read by jupyterlab_server from every <config path>/labconfig dir.
        labconfig = dirs["config"] / "labconfig"
        labconfig.mkdir()
        (labconfig / "default_setting_overrides.json").write_text(
            json.dumps(self.setting_overrides, indent=1)
        )

        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JUPYTER", "JPY_", "IPYTHON")) and k not in {"JUPYTERLAB_DIR"}
        }
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
            JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
            IPYTHONDIR=str(dirs["ipython"]),
            JUPYTER_PLATFORM_DIRS="0",
            # jupyter_core puts <sys.prefix>/share/jupyter *before* the user data dir inside a venv;
            # without this our kernelspec would be shadowed by the venv's generic "python" one.
            JUPYTER_PREFER_ENV_PATH="0",
            PYTHONUNBUFFERED="1",
            # Headless and offline: keep matplotlib & co. from looking for a display.
            MPLBACKEND="Agg",
        )
        env.pop("DISPLAY", None)
        return env

    def command(self) -> list[str]:
        """The exact ``jupyter lab`` command line (useful when debugging by hand)."""
        return [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root_dir}",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=",
            "--LabApp.extension_manager=readonly",  # "pypi" would query the (unreachable) index
            *(["--allow-root"] if os.geteuid() == 0 else []),
            *self.extra_args,
        ]

    def start(self) -> Self:
        """Start the server and block until ``/api/status`` answers (raises with the log tail if not)."""
        env = self._prepare_dirs()
        self.port = free_port()
        self._log_file = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.command(),
            cwd=self.root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() can signal all of it
        )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {self.proc.returncode} during startup:\n{self.log_tail()}"
                )
            try:
                r = httpx.get(f"{self.url}api/status", timeout=2.0)
                if r.status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(
                    f"jupyter lab did not answer in {self.startup_timeout}s:\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def stop(self, timeout: float = 15.0) -> None:
        """Shut down kernels and the server; escalate to SIGTERM/SIGKILL so nothing is left behind."""
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        tracked = set(_descendants(proc.pid))
        if proc.poll() is None:
            # /api/shutdown shuts kernels down cleanly before the server exits.
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"{self.url}api/shutdown", timeout=5.0)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)
        # Kernels run in their own sessions (jupyter_client start_new_session=True); reap survivors.
        for pid in tracked:
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        end = time.monotonic() + 5
        while any(pid_alive(p) for p in tracked) and time.monotonic() < end:
            time.sleep(0.1)
        for pid in tracked:
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if not self.keep:
            # Keep the log next to the other artifacts before the temp home goes away.
            with contextlib.suppress(OSError):
                ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
                shutil.copy(self.log_path, ARTIFACTS_DIR / "jupyter-lab.log")
            shutil.rmtree(self.home, ignore_errors=True)

    def shutdown_kernels(self) -> None:
        """Delete all sessions and kernels via REST, so tests sharing the server start clean."""
        with self.client() as c:
            for sess in c.get("api/sessions").json():
                c.delete(f"api/sessions/{sess['id']}")
            for kernel in c.get("api/kernels").json():
                c.delete(f"api/kernels/{kernel['id']}")

    def kernel_pids(self) -> list[int]:
        """Pids of live processes started by the server (kernels), for leak checks."""
        return [] if self.proc is None else _descendants(self.proc.pid)

    def log_tail(self, lines: int = 60) -> str:
        """Last lines of the server log, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "<no log>"

    def client(self) -> httpx.Client:
        """An ``httpx.Client`` bound to the server URL (no auth needed: empty token)."""
        return httpx.Client(base_url=self.url, timeout=10.0)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# -- notebooks ---------------------------------------------------------------------------------------


def write_notebook(root: Path, rel_path: str, cells: Sequence[str | tuple[str, str]]) -> Path:
    """Write a notebook of code cells (or ``("markdown", src)`` pairs) with the pinned kernelspec.

    The kernelspec metadata matters: without it JupyterLab pops a "Select Kernel" dialog.
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in cells:
        if isinstance(cell, tuple):
            kind, src = cell
            nb.cells.append(
                nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
            )
        else:
            nb.cells.append(nbformat.v4.new_code_cell(cell))
    path = root / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def make_test_mp4(
    path: Path, *, width: int = 320, height: int = 180, frames: int = 24, fps: int = 24
) -> Path:
    """Write a tiny H.264/yuv420p MP4 with ``+faststart`` (moov first, so the browser can start early)."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            img = np.zeros((height, width, 3), dtype=np.uint8)
            img[:, :, 0] = (i * 255) // max(frames - 1, 1)
            img[:, : width * (i + 1) // frames, 1] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# -- browser -----------------------------------------------------------------------------------------


def launch_chromium(playwright: Playwright, *, headless: bool = True, slow_mo: float = 0) -> Browser:
    """Launch Debian's Chromium (Playwright's bundled build lacks H.264, and there is no network)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH), headless=headless, args=list(CHROMIUM_ARGS), slow_mo=slow_mo
    )


@dataclass
class ConsoleLog:
    """JS console errors and uncaught page errors seen by a page (attach with :func:`watch_console`)."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def unexpected(self, ignore: Sequence[str | re.Pattern[str]] = ()) -> list[str]:
        """Errors not matching any ``ignore`` pattern (``re.search``)."""
        return [e for e in self.errors if not any(re.search(p, e) for p in ignore)]


def watch_console(page: Page) -> ConsoleLog:
    """Start recording console errors/warnings and uncaught exceptions of ``page``."""
    log = ConsoleLog()

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            log.errors.append(f"console.error: {msg.text} ({msg.location.get('url', '')})")
        elif msg.type == "warning":
            log.warnings.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"))
    return log


def wait_for_animations(page: Page, *, timeout_ms: float = 10_000) -> None:
    """Wait until no finite CSS/Web animation runs (Vuetify 3 dialogs fade and scale in via WAAPI).

    Without this a screenshot right after opening a dialog catches it half transparent.
    """
    page.wait_for_function(
        """() => document.getAnimations().every(
             (a) => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity)""",
        timeout=timeout_ms,
    )


def screenshot(page: Page, name: str, *, full_page: bool = False, settle: bool = True) -> Path:
    """Save a PNG into ``test-artifacts/browser/<name>.png`` (after animations end) and return its path."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    if settle:
        with contextlib.suppress(Error):
            wait_for_animations(page)
    path = ARTIFACTS_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# JS snippet: find the NotebookPanel for a path among the main-area widgets.
_FIND_PANEL = """
(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.model) return w;
  }
  return null;
}
"""


def open_notebook(page: Page, server: JupyterLabServer, path: str, *, timeout_ms: float = 60_000) -> None:
    """Open ``/lab/tree/<path>`` in a fresh workspace and wait until its kernel is idle.

    ``?reset`` drops whatever an earlier test left in the shared workspace, so every test starts with
    exactly one open notebook.
    """
    page.goto(f"{server.url}lab/tree/{path}?reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=timeout_ms)
    page.evaluate("() => window.jupyterapp.restored")
    page.wait_for_function(
        f"""(path) => {{
          const panel = ({_FIND_PANEL})(path);
          if (!panel || !panel.context.isReady) return false;
          const ctx = panel.sessionContext;
          return ctx.isReady && !!ctx.session && !!ctx.session.kernel
                 && ctx.session.kernel.status === 'idle' && ctx.session.kernel.connectionStatus === 'connected';
        }}""",
        arg=path,
        timeout=timeout_ms,
    )
    # Make it the current notebook so notebook:* commands act on it.
    page.evaluate(
        f"(path) => {{ const p = ({_FIND_PANEL})(path); window.jupyterapp.shell.activateById(p.id); }}", path
    )


@dataclass(frozen=True)
class PluginSetting:
    """A setting as the server delivers it: schema ``default`` (where overrides land) and ``user`` value."""

    default: Any
    user: Any

    @property
    def effective(self) -> Any:
        """What the frontend uses: the user value if set, else the (overridden) schema default."""
        return self.default if self.user is None else self.user


def plugin_setting(page: Page, plugin_id: str, key: str) -> PluginSetting:
    """Read ``key`` of ``plugin_id`` through ``window.jupyterapp.serviceManager.settings``."""
    raw = page.evaluate(
        """async ([plugin, key]) => {
          const s = await window.jupyterapp.serviceManager.settings.fetch(plugin);
          const prop = (s.schema.properties || {})[key] || {};
          return {default: prop.default ?? null, user: (s.settings || {})[key] ?? null};
        }""",
        [plugin_id, key],
    )
    return PluginSetting(default=raw["default"], user=raw["user"])


def notebook_windowing_mode(page: Page, path: str) -> str | None:
    """The windowing mode the open notebook widget actually uses (``notebookConfig.windowingMode``)."""
    return page.evaluate(
        f"(path) => {{ const p = ({_FIND_PANEL})(path); return p ? p.content.notebookConfig.windowingMode : null; }}",
        path,
    )


@dataclass
class RunResult:
    """Outcome of :func:`run_all_cells`: ``ok`` is JupyterLab's own verdict (False on any error)."""

    ok: bool
    errors: list[str]
    seconds: float


def run_all_cells(page: Page, path: str, *, timeout_ms: float = 120_000) -> RunResult:
    """Run every cell via ``notebook:run-all-cells`` and wait until execution has really finished.

    The command's promise resolves when all cells are done; we additionally wait for the kernel to be
    idle and for no ``[*]`` prompt to remain, so widget outputs have been delivered.
    """
    start = time.monotonic()
    page.evaluate(
        f"""(path) => {{
          const p = ({_FIND_PANEL})(path);
          window.jupyterapp.shell.activateById(p.id);
          window.__wbRunAll = {{done: false, ok: null, error: null}};
          window.jupyterapp.commands.execute('notebook:run-all-cells')
            .then(ok => {{ window.__wbRunAll = {{done: true, ok: ok !== false, error: null}}; }})
            .catch(e => {{ window.__wbRunAll = {{done: true, ok: false, error: String(e)}}; }});
        }}""",
        path,
    )
    wait_for_execution(page, path, timeout_ms=timeout_ms, require_run_all=True)
    state = page.evaluate("() => window.__wbRunAll")
    errors = cell_errors(page, path)
    if state.get("error"):
        errors.append(state["error"])
    return RunResult(ok=bool(state["ok"]) and not errors, errors=errors, seconds=time.monotonic() - start)


def wait_for_execution(
    page: Page, path: str, *, timeout_ms: float = 120_000, require_run_all: bool = False
) -> None:
    """Wait until the notebook's kernel is idle and no code cell shows a ``[*]`` prompt."""
    page.wait_for_function(
        f"""([path, requireRunAll]) => {{
          if (requireRunAll && !(window.__wbRunAll && window.__wbRunAll.done)) return false;
          const p = ({_FIND_PANEL})(path);
          if (!p) return false;
          const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
          if (!kernel || kernel.status !== 'idle') return false;
          const prompts = p.content.node.querySelectorAll('.jp-InputArea-prompt');
          for (const el of prompts) if (el.textContent.includes('*')) return false;
          return true;
        }}""",
        arg=[path, require_run_all],
        timeout=timeout_ms,
    )


def cell_errors(page: Page, path: str) -> list[str]:
    """``ename: evalue`` of every error output in the notebook model."""
    return page.evaluate(
        f"""(path) => {{
          const p = ({_FIND_PANEL})(path);
          const out = [];
          for (const cell of p.content.widgets) {{
            if (cell.model.type !== 'code') continue;
            const outputs = cell.model.outputs;
            for (let i = 0; i < outputs.length; i++) {{
              const o = outputs.get(i).toJSON();
              if (o.output_type === 'error') out.push(`${{o.ename}}: ${{o.evalue}}`);
            }}
          }}
          return out;
        }}""",
        path,
    )


def cell_count(page: Page, path: str) -> int:
    """Number of cells in the open notebook's model (to detect leaked ``a``/``b`` shortcuts)."""
    return page.evaluate(f"(path) => ({_FIND_PANEL})(path).content.model.cells.length", path)


def cell_types(page: Page, path: str) -> list[str]:
    """Cell types in order (to detect leaked ``m``/``y`` shortcuts)."""
    return page.evaluate(
        f"(path) => Array.from(({_FIND_PANEL})(path).content.model.cells).map(c => c.type)", path
    )


def notebook_is_dirty(page: Page, path: str) -> bool:
    """Whether the document has unsaved changes (a leaked shortcut would typically make it dirty)."""
    return page.evaluate(f"(path) => ({_FIND_PANEL})(path).context.model.dirty", path)


def kernel_python(page: Page, path: str) -> str:
    """``sys.executable`` of the notebook's kernel, read via a silent execute request."""
    return page.evaluate(
        f"""async (path) => {{
          const kernel = ({_FIND_PANEL})(path).sessionContext.session.kernel;
          const future = kernel.requestExecute({{code: 'import sys; print(sys.executable, end="")', silent: false, store_history: false}});
          let text = '';
          future.onIOPub = (msg) => {{ if (msg.header.msg_type === 'stream') text += msg.content.text; }};
          await future.done;
          return text;
        }}""",
        path,
    )


def compact_view(page: Page, path: str) -> None:
    """Hide code cells and side panels and scroll to the top, so screenshots show the widgets."""
    page.evaluate(
        f"""async (path) => {{
          const app = window.jupyterapp;
          const p = ({_FIND_PANEL})(path);
          app.shell.activateById(p.id);
          app.shell.collapseLeft();
          app.shell.collapseRight();
          await app.commands.execute('notebook:hide-all-cell-code');
          p.content.activeCellIndex = 0;
          await p.content.scrollToItem(0, 'start');
        }}""",
        path,
    )


# -- locating rendered widgets -----------------------------------------------------------------------


def outputs(page: Page) -> Locator:
    """Rendered output areas of the visible notebook (never the cell source editors)."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")


def widget_views(page: Page) -> Locator:
    """Top-level ipywidgets views rendered inside outputs."""
    return outputs(page).locator(".jupyter-widgets")


def in_outputs(page: Page, selector: str) -> Locator:
    """Elements matching ``selector`` inside rendered outputs, e.g. ``in_outputs(page, '.v-btn')``."""
    return outputs(page).locator(selector)


def overlay_container(page: Page) -> Locator:
    """Vuetify 3's teleport target: ``body > .v-overlay-container`` (dialogs, menus, tooltips)."""
    return page.locator("body > .v-overlay-container")


def open_dialogs(page: Page) -> Locator:
    """Visible Vuetify dialogs (their content is teleported out of the notebook, to the body)."""
    return overlay_container(page).locator(".v-overlay.v-dialog.v-overlay--active .v-overlay__content")


# -- theme -------------------------------------------------------------------------------------------


def set_theme(page: Page, theme: str, *, timeout_ms: float = DEFAULT_TIMEOUT_MS) -> None:
    """Switch JupyterLab's theme via ``apputils:change-theme`` and wait until the body reflects it.

    Note: the choice is persisted in the (per-server) user settings, so restore it afterwards, e.g.
    with :func:`use_theme`.
    """
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
        theme,
    )
    page.wait_for_function(
        "(theme) => document.body.dataset.jpThemeName === theme", arg=theme, timeout=timeout_ms
    )
    # Theme CSS is loaded asynchronously after the attribute flips; wait for the CSS variable too.
    is_light = "false" if "Dark" in theme else "true"
    page.wait_for_function(
        "(light) => document.body.dataset.jpThemeLight === light", arg=is_light, timeout=timeout_ms
    )


@contextlib.contextmanager
def use_theme(page: Page, theme: str) -> Iterator[None]:
    """Temporarily switch theme; restore the light theme afterwards (settings outlive the page)."""
    set_theme(page, theme)
    try:
        yield
    finally:
        with contextlib.suppress(Error):
            set_theme(page, LIGHT_THEME)
