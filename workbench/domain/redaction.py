"""Secrets never leave this process in words: :func:`redact` strips them from any text before it is stored,
logged, published or shown.

It lives in the domain (no I/O) because the store applies it to every row it writes that can carry a
provider's words (job errors, provider job ids, take warnings, event messages and payloads), so no caller can
forget. :mod:`workbench.generation.http.redaction` registers tokens as they are read from the environment.

Three things go: any remembered secret value; the value of credential-looking headers and fields
(``Authorization: Bearer …``, ``"api_key": "…"``); and credential query parameters in URLs (``?token=…``,
``X-Amz-Signature=…``), since a provider's signed output URL is a bearer credential too.
"""

from __future__ import annotations

import re
import threading

__all__ = ["REDACTED", "forget_secrets", "redact", "redact_optional", "remember_secret"]

REDACTED = "[redacted]"

_lock = threading.Lock()
_secrets: set[str] = set()

#: ``Authorization: Bearer abc``, ``"authorization": "Key abc"``, ``x-api-key=abc`` …: the value goes.
_HEADER = re.compile(
    r"""(?ix)
    (["']?(?:proxy-)?authorization|x-api-key|api[-_]?key|api[-_]?token|access[-_]?token|secret)
    (["']?\s*[:=]\s*["']?)
    (?:(?:bearer|key|token|basic)\s+)?
    [^\s"',}&]+
    """
)
#: A credential scheme followed by something token-shaped, anywhere in free text.
_SCHEME = re.compile(r"(?i)\b(bearer|token|key|basic)\s+[A-Za-z0-9._~+/=:-]{12,}")
#: Query parameters that carry credentials in signed or tokenised URLs.
_QUERY = re.compile(
    r"""(?ix)
    ([?&](?:token|access_token|auth|key|api_key|apikey|sig|signature|x-amz-signature|x-amz-credential|
    x-amz-security-token|x-goog-signature|x-goog-credential|se?cret)=)
    [^&#\s"']+
    """
)


def remember_secret(value: str) -> None:
    """Treat ``value`` as a secret from now on (every :func:`redact` removes it)."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def forget_secrets(*values: str) -> None:
    """Forget the given secrets, or every remembered one (tests)."""
    with _lock:
        if values:
            _secrets.difference_update(values)
        else:
            _secrets.clear()


def redact(text: object) -> str:
    """``str(text)`` without any remembered secret value, credential-looking header or credential query."""
    out = str(text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in out:
            out = out.replace(secret, REDACTED)
    out = _HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", out)
    out = _QUERY.sub(lambda m: f"{m.group(1)}{REDACTED}", out)
    return _SCHEME.sub(lambda m: f"{m.group(1)} {REDACTED}", out)


def redact_optional(text: str | None) -> str | None:
    """:func:`redact` that lets ``None`` through (nullable columns)."""
    return None if text is None else redact(text)
