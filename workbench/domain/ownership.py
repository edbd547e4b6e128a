"""Who is acting, and the check every mutating action calls before it writes anything."""

from __future__ import annotations

import getpass
import os

from workbench.domain.ids import check_id
from workbench.domain.models import Lecture
from workbench.errors import OwnershipError

__all__ = ["USER_ENV", "check_owner", "current_user"]

#: Environment variable naming the current user; falls back to the login name.
USER_ENV = "WORKBENCH_USER"


def current_user(configured: str | None = None) -> str:
    """The acting user: ``configured`` (from the store config), else ``$WORKBENCH_USER``, else the login."""
    name = configured or os.environ.get(USER_ENV) or getpass.getuser()
    return check_id(name, "user name")


def check_owner(lecture: Lecture, user: str) -> None:
    """Raise :class:`OwnershipError` unless ``user`` owns ``lecture``."""
    if lecture.owner != user:
        raise OwnershipError(
            f"Lecture {lecture.title or lecture.id!r} belongs to {lecture.owner!r}, not {user!r}; nothing was "
            f"changed. Ask its owner to make the change, or set {USER_ENV} to the owner's name if that is you.",
        )
