"""Free text that users type (movie directions, titles) and that reaches files, models and the screen.

Control characters have no business in any of it: a NUL is silently cut by some C libraries and models, an
escape sequence can repaint a terminal, a lone surrogate cannot even be encoded as UTF-8. They usually arrive
by pasting from a PDF or a terminal, so the message says where the character is and how to remove it.
"""

from __future__ import annotations

import re

from workbench.errors import ValidationError

__all__ = ["check_plain_text", "find_control_character", "strip_control_characters"]

#: Cc (C0 controls but tab/newline/return, DEL, C1 controls), Cs (lone surrogates, not encodable as UTF-8)
#: and the non-characters U+FFFE/U+FFFF. A regex keeps the check at C speed (a 1,000-segment lecture is read
#: often).
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def find_control_character(text: str) -> tuple[int, str] | None:
    """The position and the first character that :func:`check_plain_text` refuses, or ``None``."""
    match = _BAD.search(text)
    return None if match is None else (match.start(), match.group())


def strip_control_characters(text: str) -> str:
    """``text`` without the characters :func:`check_plain_text` refuses (for callers that clean, not refuse)."""
    return _BAD.sub("", text)


def check_plain_text(
    text: str, what: str, *, error: type[ValidationError] = ValidationError, max_chars: int | None = None
) -> str:
    """Return ``text`` unless it holds a control character (or is longer than ``max_chars``)."""
    found = find_control_character(text)
    if found is not None:
        index, char = found
        raise error(
            f"The {what} contain{'' if what.endswith('s') else 's'} an invisible control character "
            f"(U+{ord(char):04X} at position {index + 1}); remove it and try again. Such characters usually "
            "come from pasting text out of a PDF or a terminal.",
        )
    if max_chars is not None and len(text) > max_chars:
        raise error(f"The {what} is {len(text)} characters long; shorten it to at most {max_chars}.")
    return text
