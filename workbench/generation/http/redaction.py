"""Tokens come from environment variables only, and never leave this process in words.

:func:`read_token` is the one way a hosted backend gets its token; it remembers the value so that
:func:`redact` can strip it from any text (an exception message, a provider's error body, a log line) before
that text reaches an event, a take, a report or a traceback. Authorization headers and ``Bearer``/``Key``/
``Token`` credentials are removed whatever their value, in case a provider echoes a header back.
"""

from __future__ import annotations

import os
import re
import threading

from workbench.errors import BackendError

__all__ = ["REDACTED", "read_token", "redact", "remember_secret"]

REDACTED = "[redacted]"

_lock = threading.Lock()
_secrets: set[str] = set()

#: ``Authorization: Bearer abc``, ``"authorization": "Key abc"``, ``x-api-key=abc`` …: the value goes.
_HEADER = re.compile(
    r"""(?ix)
    (["']?(?:proxy-)?authorization|x-api-key|api[-_]?key|api[-_]?token|access[-_]?token|secret)
    (["']?\s*[:=]\s*["']?)
    (?:(?:bearer|key|token|basic)\s+)?
    [^\s"',}]+
    """
)
#: A credential scheme followed by something token-shaped, anywhere in free text.
_SCHEME = re.compile(r"(?i)\b(bearer|token|key|basic)\s+[A-Za-z0-9._~+/=:-]{12,}")


def remember_secret(value: str) -> None:
    """Treat ``value`` as a secret from now on (every :func:`redact` removes it)."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def read_token(env_var: str, *, model: str, provider: str) -> str:
    """The token in ``$env_var``; a clear :class:`BackendError` (naming the variable, never a value) if unset."""
    value = os.environ.get(env_var, "").strip()
    if not value:
        raise BackendError(
            f"The model {model!r} needs a {provider} API token in the environment variable {env_var}, "
            "which is not set. Set it in the shell that starts JupyterLab (or the batch), then restart "
            "the kernel. Tokens are never read from notebooks or config files."
        )
    remember_secret(value)
    return value


def redact(text: object) -> str:
    """``str(text)`` without any remembered token value or credential-looking header."""
    out = str(text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in out:
            out = out.replace(secret, REDACTED)
    out = _HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", out)
    return _SCHEME.sub(lambda m: f"{m.group(1)} {REDACTED}", out)
