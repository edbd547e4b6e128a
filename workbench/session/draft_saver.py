"""Writing a session's drafts to the store without slowing the keystroke that made them.

Edits mark a segment unsaved; a moment later (``delay_s``) everything unsaved is written in one go on a worker
thread, one write at a time so an older write can never land after a newer one. Without a running event loop
(a script) each edit is written at once; at interpreter exit (a kernel restart) what is left is written then.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import weakref
from collections.abc import Callable

from workbench.domain.drafts import SegmentDraft
from workbench.errors import WorkbenchError
from workbench.store.drafts import DraftStore

__all__ = ["DraftSaver"]


class DraftSaver:
    def __init__(
        self,
        store: DraftStore,
        lecture_id: str,
        current: Callable[[str], SegmentDraft | None],
        *,
        delay_s: float,
        on_error: Callable[[str], None],
    ) -> None:
        self._store = store
        self._lecture_id = lecture_id
        self._current = current
        self.delay_s = delay_s
        self._on_error = on_error
        self._unsaved: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._saving: asyncio.Future[None] | None = None
        self._at_exit = _save_at_exit(weakref.ref(self))
        atexit.register(self._at_exit)

    @property
    def pending(self) -> bool:
        return bool(self._unsaved)

    def mark(self, asset_id: str) -> None:
        """``asset_id``'s draft changed: write it soon."""
        self._unsaved.add(asset_id)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.save_now()
            return
        if self._timer is None:
            self._timer = loop.call_later(self.delay_s, self._save_in_background)

    def _save_in_background(self) -> None:
        self._timer = None
        if not self._unsaved:
            return
        if self._saving is not None and not self._saving.done():
            self._saving.add_done_callback(lambda _f: self._reschedule())
            return
        batch = self._take()
        self._saving = asyncio.get_running_loop().run_in_executor(
            None, self._store.save, self._lecture_id, batch
        )

        def done(future: asyncio.Future[None]) -> None:
            error = None if future.cancelled() else future.exception()
            if error is not None:
                self._unsaved.update(batch)
                said = (
                    error.message if isinstance(error, WorkbenchError) else f"{type(error).__name__}: {error}"
                )
                self._on_error(
                    f"Your draft could not be saved in the store; it is kept in this session. {said}"
                )

        self._saving.add_done_callback(done)

    def _reschedule(self) -> None:
        if self._unsaved and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.delay_s, self._save_in_background)

    def _take(self) -> dict[str, SegmentDraft | None]:
        batch = {asset_id: self._current(asset_id) for asset_id in self._unsaved}
        self._unsaved.clear()
        return batch

    def save_now(self) -> None:
        """Write everything unsaved now (blocking)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._unsaved:
            batch = self._take()
            try:
                self._store.save(self._lecture_id, batch)
            except BaseException:
                self._unsaved.update(batch)
                raise

    async def saved(self) -> None:
        """Wait until every draft marked so far is in the store."""
        if self._saving is not None:
            with contextlib.suppress(Exception):
                await self._saving
        if self._unsaved:
            await asyncio.to_thread(self.save_now)

    def close(self) -> None:
        """Write what is left and stop watching for the interpreter's exit."""
        try:
            self.save_now()
        finally:
            atexit.unregister(self._at_exit)


def _save_at_exit(ref: weakref.ref[DraftSaver]) -> Callable[[], None]:
    def save() -> None:
        saver = ref()
        if saver is not None and saver.pending:
            with contextlib.suppress(Exception):
                saver.save_now()

    return save
