"""Ownership on every write, as one mechanism instead of a check each caller must remember.

Every method of :class:`~workbench.store.lecture_store.LectureStore` that writes is declared with
:func:`writes`, naming what the call touches; the wrapper takes the writer lock, checks the current user may
write each of those (against the *stored* documents, under the lock, so nothing can change in between) and
only then runs the method. A refusal raises before the method body runs, so nothing is written.

``tests/store/test_ownership.py`` runs every public mutator as another user and fails when a new public
method is neither declared here nor listed as a reader, so a mutator cannot be added without a guard.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from workbench.store.lecture_store import LectureStore

__all__ = ["Touches", "is_guarded", "writes"]

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__workbench_write_guard__"


@dataclass(frozen=True)
class Touches:
    """What one write touches: lectures (with the job each record belongs to, if any) and projects."""

    lectures: tuple[tuple[str, str | None], ...] = ()
    projects: tuple[str, ...] = ()

    @classmethod
    def lecture(cls, lecture_id: str, job_id: str | None = None) -> Touches:
        return cls(lectures=((lecture_id, job_id),))

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str | None]] = (), projects: Iterable[str] = ()) -> Touches:
        return cls(tuple(dict.fromkeys(pairs)), tuple(dict.fromkeys(projects)))


Resolver = Callable[["LectureStore", Mapping[str, Any]], Touches]


def writes(touches: Resolver | None, *, maintenance: bool = False) -> Callable[[F], F]:
    """Declare a store method that writes.

    ``touches(store, arguments)`` (arguments by parameter name) says which lectures and projects the call
    writes; the current user must own each. ``maintenance=True`` marks a store-wide operation that changes
    no record (compaction) and so has no owner to check; it still runs under the writer lock.
    """

    def decorate(method: F) -> F:
        signature = inspect.signature(method)

        @functools.wraps(method)
        def guarded(self: LectureStore, *args: Any, **kwargs: Any) -> Any:
            with self.writing():
                if touches is not None:
                    bound = signature.bind(self, *args, **kwargs)
                    bound.apply_defaults()
                    what = touches(self, bound.arguments)
                    for project_id in what.projects:
                        self.check_may_write_project(project_id)
                    for lecture_id, job_id in what.lectures:
                        self.check_may_write(lecture_id, job_id=job_id)
                return method(self, *args, **kwargs)

        setattr(guarded, _MARK, "maintenance" if maintenance else "owner")
        return guarded  # type: ignore[return-value]

    return decorate


def is_guarded(method: object) -> str | None:
    """``"owner"``, ``"maintenance"`` or ``None`` for a method not declared with :func:`writes`."""
    return getattr(method, _MARK, None)
