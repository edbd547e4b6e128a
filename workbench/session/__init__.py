"""LectureSession: the committed lecture, a researcher's drafts and the lecture's jobs, kept true.

This is the seed's "lecture store" on the client side (``useAssetGenerationFlow``), and what every widget
reads. It runs without widgets (a script or a test drives it the same way).

- **Drafts** hold the editor's overrides per segment. They are saved per user and lecture in the store a
  moment after the last edit (off the event loop), so a kernel restart keeps them.
- **Accept** writes the preview's metadata into the draft at once (optimistic) but reloads the committed
  lecture only when ``video-complete`` arrives; the overrides the commit made redundant are then cleared.
  Reject keeps the draft; nothing committed changes.
- **Freshness**: other processes (a papermill batch, a second notebook) commit to the same store. A watcher
  polls what they write (the lecture's file and the event journal, a few system calls) and applies it: the
  committed player's URL, the settings and the table follow, a message says what happened, and a draft that
  conflicts with the new commit is kept and flagged, never overwritten.
- **Cost follows change**: one summary per segment is derived at open and re-derived only for segments an
  event or commit touched; a keystroke touches one draft.
- The committed player's URL is built from the committed lecture only (``?v=<updated_at>``).
"""

from workbench.session.lecture_session import (
    DRAFT_SAVE_DELAY_S,
    EXPLAIN_WAIT_S,
    WATCH_INTERVAL_S,
    LectureSession,
    OptimisticPreview,
    SessionChange,
)

__all__ = [
    "DRAFT_SAVE_DELAY_S",
    "EXPLAIN_WAIT_S",
    "WATCH_INTERVAL_S",
    "LectureSession",
    "OptimisticPreview",
    "SessionChange",
]
