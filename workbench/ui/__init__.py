"""Widgets only: they render session state and forward intent. Deleting this folder breaks no batch run."""

from __future__ import annotations

from pathlib import Path

from workbench.ui.workbench import ReviewWorkbench

__all__ = ["ReviewWorkbench", "open_workbench"]


def open_workbench(
    store_path: str | Path,
    lecture_id: str | None = None,
    *,
    max_concurrent: int = 2,
) -> ReviewWorkbench:
    """Open the review workbench on a lecture (default: the store's first lecture).

    A store folder that does not exist yet is created as the demo store, so the review notebook runs top to
    bottom on a fresh clone.
    """
    from workbench.demo.builder import open_store_or_demo
    from workbench.jobs.runner import Runner
    from workbench.session import LectureSession
    from workbench.ui.server_urls import locate_media

    store = open_store_or_demo(store_path)
    ids = store.lecture_ids()
    if not ids:
        from workbench.errors import NotFoundError

        raise NotFoundError(
            f"The store {store.root} has no lectures yet. Try `workbench demo init DIR` for a demo."
        )
    media = locate_media(store.root)
    runner = Runner(store, max_concurrent=max_concurrent)
    session = LectureSession(runner, lecture_id or ids[0], media_base_url=media.base_url)
    return ReviewWorkbench(session, media_problem=media.problem)
