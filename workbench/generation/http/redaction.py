"""Tokens come from environment variables only, and never leave this process in words.

:func:`read_token` is the one way a hosted backend gets its token; it remembers the value so that
:func:`redact` (see :mod:`workbench.domain.redaction`) strips it from any text — an exception message, a
provider's error body, a log line, a stored job row — before that text reaches an event, a take, a report or
a traceback. Authorization headers, ``Bearer``/``Key``/``Token`` credentials and credential query parameters
are removed whatever their value, in case a provider echoes a header back or signs its output URLs.

Importing this module also puts a redacting filter on the loggers that print provider URLs and words:
httpx logs every request URL at INFO ("HTTP Request: GET https://…?token=…"), and our own HTTP and job
loggers carry provider messages.
"""

from __future__ import annotations

import logging
import os

from workbench.domain.redaction import REDACTED, redact, remember_secret
from workbench.errors import BackendError

__all__ = ["REDACTED", "REDACTED_LOGGERS", "RedactingFilter", "read_token", "redact", "remember_secret"]

#: Loggers whose records may carry provider URLs or words. A filter on a logger only sees records logged on
#: that very logger (not its children), so each is named.
REDACTED_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "workbench.generation.http",
    "workbench.jobs",
    "workbench.batch",
)


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


class RedactingFilter(logging.Filter):
    """Formats a record's message (and traceback) once, redacted, so no handler can print the original."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction() -> None:
    """Put one :class:`RedactingFilter` on each of :data:`REDACTED_LOGGERS` (idempotent)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


install_log_redaction()
