"""Every error a researcher may see, in one hierarchy.

Catch :class:`WorkbenchError` for all of them, or a subclass for one kind. Each message says what happened
and what to do next; ``detail`` holds the technical specifics (a path, a version number) for logs.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "BatchItemsFailedError",
    "ConflictError",
    "CorruptFileError",
    "DamagedEntryError",
    "GenerationCancelledError",
    "GenerationError",
    "InvalidIdError",
    "InvalidImageError",
    "InvalidSettingError",
    "JobBusyError",
    "JobError",
    "ModelConfigError",
    "ModelFolderError",
    "NotFoundError",
    "OwnershipError",
    "StartingImageMissingError",
    "StoreError",
    "TakeStateError",
    "TransientBackendError",
    "UnknownFieldError",
    "UnknownModelError",
    "ValidationError",
    "WorkbenchError",
]

REGENERATE_STARTING_IMAGE = "Regenerate the starting image first."


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose.

    ``message`` is the human sentence a UI shows; ``detail`` is optional context shown after it.
    """

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        self.message = message
        self.detail = detail
        super().__init__(message if not detail else f"{message} ({detail})")


# -- bad input ---------------------------------------------------------------------------------------------


class ValidationError(WorkbenchError, ValueError):
    """The input was refused before anything was written."""


class InvalidIdError(ValidationError):
    """An id that is empty, too long, or could escape its folder (``../x``, ``/abs``)."""


class UnknownFieldError(ValidationError):
    """A settings mapping named a field the workbench does not know."""


class InvalidSettingError(ValidationError):
    """A setting out of range (duration, resolution, fps, seed) or empty movie directions."""


class InvalidImageError(ValidationError):
    """An image the workbench cannot use: unreadable, too many pixels, or too small for the video."""


class UnknownModelError(ValidationError):
    """A model name that no backend is registered for; the message lists the known ones."""


class ModelConfigError(ValidationError):
    """A ``models.json`` that cannot be used; the message names the file and the key to fix."""


class ModelFolderError(ModelConfigError):
    """A local model's weights folder is missing, incomplete or of another kind; the message names the files."""


# -- access and state --------------------------------------------------------------------------------------


class NotFoundError(WorkbenchError, LookupError):
    """A project, lecture, segment, take or job that does not exist."""


class OwnershipError(WorkbenchError, PermissionError):
    """The current user does not own the lecture they are acting on; nothing was written."""


class ConflictError(WorkbenchError):
    """A stale write: someone changed the document since it was read; nothing was overwritten."""


# -- the store ---------------------------------------------------------------------------------------------


class StoreError(WorkbenchError, OSError):
    """The lecture store could not be opened or written."""


class CorruptFileError(StoreError):
    """A store file that cannot be parsed. The store never rewrites or deletes such a file."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = path
        super().__init__(
            f"The store file {path} cannot be read. Restore it from a backup or fix it by hand; "
            "the workbench will not overwrite it.",
            detail=reason,
        )


class DamagedEntryError(CorruptFileError):
    """One segment or starting image of a lecture file is damaged; the rest of the lecture works.

    The damaged entry is kept exactly as it was read whenever the lecture is saved again.
    """

    def __init__(self, path: object, entry: str, reason: str) -> None:
        self.path = path
        self.entry = entry
        WorkbenchError.__init__(
            self,
            f"{entry} in the store file {path} is damaged, so it cannot be used. Fix it in that file by hand or "
            "restore the file from a backup; the rest of the lecture works, and the workbench keeps the "
            "damaged entry as it is.",
            detail=reason,
        )


# -- generation --------------------------------------------------------------------------------------------


class GenerationError(WorkbenchError):
    """A video could not be generated; no take was recorded."""


class StartingImageMissingError(GenerationError):
    """The segment has no usable starting image. The message is exactly the seed's sentence."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(REGENERATE_STARTING_IMAGE, detail=detail)


class BackendError(GenerationError):
    """A model backend failed in a way that retrying will not fix (bad input, moderation, a failed run)."""


class TransientBackendError(BackendError):
    """A failure worth retrying with backoff: rate limits, 5xx, dropped connections.

    ``retry_after`` (seconds) is honoured when the backend knows it.
    """

    def __init__(self, message: str, *, detail: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, detail=detail)
        self.retry_after = retry_after


class GenerationCancelledError(GenerationError):
    """The generation was cancelled; any partial output was removed."""


# -- jobs --------------------------------------------------------------------------------------------------


class JobError(WorkbenchError):
    """A job request that cannot be carried out as asked."""


class JobBusyError(JobError):
    """The segment already has a regeneration running."""


class TakeStateError(JobError):
    """A take that was already accepted or rejected (or is not ready) cannot be decided again."""


class BatchItemsFailedError(JobError):
    """Some items of a batch failed (raised at the end of the batch notebook unless failures are allowed)."""
