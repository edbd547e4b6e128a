"""Fixtures for real-browser tests: one JupyterLab server and one Chromium per session, a page per test.

Starting JupyterLab (~2 s) and loading its frontend the first time (~4 s) dominate the run time, so
both the server and the browser context (whose HTTP cache keeps later page loads fast) are shared.
Every test gets a fresh page and its kernels are shut down afterwards.

Browser tests must be plain ``def`` tests (Playwright's sync API); see ``BrowserSession`` for why the
driver is stopped whenever the run leaves this directory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from harness import (
    CHROMIUM_PATH,
    DEFAULT_TIMEOUT_MS,
    ConsoleLog,
    JupyterLabServer,
    RunResult,
    launch_chromium,
    open_notebook,
    run_all_cells,
    screenshot,
    watch_console,
    write_notebook,
)
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

BROWSER_DIR = Path(__file__).parent
VIEWPORT = {"width": 1280, "height": 1000}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/browser as ``browser``; skip it all when Chromium is missing.

    This hook sees the whole session's items, so it filters by path.
    """
    skip = (
        None
        if CHROMIUM_PATH.exists()
        else pytest.mark.skip(
            reason=f"Debian Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)"
        )
    )
    for item in items:
        if item.path.is_relative_to(BROWSER_DIR):
            item.add_marker(pytest.mark.browser)
            if skip is not None:
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember each phase's report on the item so ``lab_page`` can screenshot failures."""
    report = yield
    setattr(item, f"_wb_rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabServer]:
    """The shared, isolated JupyterLab server (root dir is empty at start)."""
    server = JupyterLabServer(base_dir=tmp_path_factory.mktemp("jlab"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


class BrowserSession:
    """Playwright driver + Chromium + one context, started lazily and closable early.

    Why not a plain session fixture: while the sync Playwright driver is alive, the main thread's
    asyncio "running loop" is set to Playwright's loop (its dispatcher greenlet runs it), so every
    later ``asyncio.run()`` / pytest-asyncio test in the same session fails with "cannot be called
    from a running event loop". We therefore stop the driver as soon as the run leaves
    tests/browser (see ``pytest_runtest_teardown``) and restart it if it comes back. For the same
    reason browser tests must be plain (sync) functions.
    """

    def __init__(self) -> None:
        self._manager: AbstractContextManager[Playwright] | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None

    @property
    def browser(self) -> Browser:
        """The shared Chromium (started on first use)."""
        if self._browser is None:
            self._manager = sync_playwright()
            playwright = self._manager.__enter__()
            self._browser = launch_chromium(playwright)
        return self._browser

    @property
    def context(self) -> BrowserContext:
        """A shared context: its HTTP cache makes every JupyterLab load after the first faster."""
        if self._context is None:
            self._context = self.browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
            self._context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        return self._context

    def close(self) -> None:
        """Close context, browser and driver (idempotent); clears Playwright's running-loop mark."""
        context, browser, manager = self._context, self._browser, self._manager
        self._context = self._browser = self._manager = None
        try:
            if context is not None:
                context.close()
            if browser is not None:
                browser.close()
        finally:
            if manager is not None:
                manager.__exit__(None, None, None)


_BROWSER_SESSION = pytest.StashKey[BrowserSession]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Stop Playwright after the last browser test in a row (only called for tests/browser items)."""
    try:
        return (yield)
    finally:
        leaving = nextitem is None or not nextitem.path.is_relative_to(BROWSER_DIR)
        session = item.config.stash.get(_BROWSER_SESSION, None)
        if leaving and session is not None:
            session.close()


@pytest.fixture(scope="session")
def browser_session(pytestconfig: pytest.Config) -> Iterator[BrowserSession]:
    """The lazily started, shared Playwright/Chromium holder."""
    session = pytestconfig.stash.setdefault(_BROWSER_SESSION, BrowserSession())
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def chromium(browser_session: BrowserSession) -> Browser:
    """Headless Debian Chromium, shared by all browser tests."""
    return browser_session.browser


@pytest.fixture
def browser_context(browser_session: BrowserSession) -> BrowserContext:
    """The shared browser context (one HTTP cache, one viewport size for all tests)."""
    return browser_session.context


@pytest.fixture
def lab_page(
    request: pytest.FixtureRequest, browser_context: BrowserContext, lab_server: JupyterLabServer
) -> Iterator[Page]:
    """A fresh page per test; screenshots on failure and shuts the test's kernels down afterwards."""
    page = browser_context.new_page()
    try:
        yield page
    finally:
        rep = getattr(request.node, "_wb_rep_call", None)
        if rep is not None and rep.failed:
            try:
                screenshot(page, f"FAILED-{request.node.name}")
            except Exception as exc:  # a crashed page must not hide the real failure
                print(f"could not take failure screenshot: {exc}")
        page.close()
        lab_server.shutdown_kernels()


@pytest.fixture
def console_log(lab_page: Page) -> ConsoleLog:
    """JS console errors of ``lab_page``, recorded from before the first navigation."""
    return watch_console(lab_page)


@pytest.fixture
def run_notebook(
    request: pytest.FixtureRequest, lab_page: Page, lab_server: JupyterLabServer
) -> Callable[[Sequence[str]], tuple[str, RunResult]]:
    """Factory: write ``cells`` to ``<test name>.ipynb``, open it in ``lab_page``, run all cells.

    Returns ``(path, result)``; the result is asserted ``ok`` so a broken cell fails the test early.
    """

    def _run(cells: Sequence[str]) -> tuple[str, RunResult]:
        path = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name) + ".ipynb"
        write_notebook(lab_server.root_dir, path, cells)
        open_notebook(lab_page, lab_server, path)
        result = run_all_cells(lab_page, path)
        assert result.ok, f"notebook cells failed: {result.errors}"
        return path, result

    return _run
