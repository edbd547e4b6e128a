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
    create_demo: bool = True,
) -> ReviewWorkbench:
    """Open the review workbench on a lecture (default: the store's first lecture).

    With ``create_demo`` a missing store folder is created as the demo store, so the review notebook runs
    top to bottom on a fresh clone.
    """
    from workbench.demo.builder import init_demo_store
    from workbench.jobs.runner import Runner
    from workbench.session import LectureSession
    from workbench.store import open_store
    from workbench.ui.server_urls import locate_media

    path = Path(store_path)
    store = init_demo_store(path).store if create_demo and not path.exists() else open_store(path)
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
