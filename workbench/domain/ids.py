"""Ids that are safe to use as file and folder names.

Every id that reaches the store passes :func:`check_id` first, so no id can become ``../x``, an absolute
path, a hidden file, or a name that differs only by case-folding tricks across file systems.
"""

from __future__ import annotations

import re
import secrets

from workbench.errors import InvalidIdError

__all__ = ["ID_PATTERN", "check_id", "new_id"]

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def check_id(value: object, kind: str = "id") -> str:
    """Return ``value`` if it is a safe id, else raise :class:`InvalidIdError` naming the ``kind``."""
    if not isinstance(value, str) or not value:
        raise InvalidIdError(
            f"The {kind} is empty. Pick an item from the list instead of typing its id.",
            detail=f"got {value!r}",
        )
    if not ID_PATTERN.match(value):
        raise InvalidIdError(
            f"The {kind} {value!r} is not a valid id. Ids use 1-64 letters, digits, '-' or '_' and start "
            "with a letter or digit.",
        )
    return value


def new_id(prefix: str) -> str:
    """A fresh random id such as ``take-3f9a0c1d2e4b``; the prefix says what it names."""
    return f"{prefix}-{secrets.token_hex(6)}"
