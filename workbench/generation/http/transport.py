"""One provider's HTTP API: where the token may go, which failures are worth retrying, and downloads.

Rules every provider module gets from here instead of re-deciding them:

- **Authorization goes only to the API's own origin** (scheme, host and port of ``base_url``). Redirects are
  followed by hand (httpx follows none unless asked), and a hop to any other origin (a CDN, a storage bucket,
  an ``http://`` downgrade) is sent without it. Output downloads from other hosts never carry it.
- **Retrying is decided elsewhere** (the backend's :mod:`.retrying`, then the job runner); this module only
  says whether a failure is worth it. 429, 408, 5xx, dropped connections and timeouts raise
  :class:`TransientBackendError` (with ``Retry-After`` in seconds, from either of its forms) for
  *idempotent* requests. A request that creates a paid job is idempotent only
  when the provider dedupes it (``idempotent=True``, e.g. Cog's ``PUT /predictions/{id}``) or provably never
  reached the server (a connect error, a 429 refusal); otherwise the failure is final and says why. An
  unverifiable TLS certificate is final too: retrying cannot fix it.
- Everything else (bad input, a refused token, moderation) is a :class:`BackendError` with the provider's own
  words. Every message passes through :func:`.redaction.redact`; exception chains are cut (``from None``) so
  no request object, header or token rides along into a traceback.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.utils
import functools
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urljoin, urlsplit

import httpx

from workbench.errors import BackendError, TransientBackendError
from workbench.generation.http.redaction import redact

__all__ = [
    "MAX_DOWNLOAD_BYTES",
    "ApiClient",
    "Reply",
    "decode_data_uri",
    "new_http_client",
    "parse_retry_after",
    "provider_message",
    "same_origin",
]

MAX_REDIRECTS = 5
#: Refuse outputs larger than this (a misconfigured model returning something else entirely).
MAX_DOWNLOAD_BYTES = 4 * 1024**3
_CHUNK = 1 << 16


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every client (building one per client costs ~10 ms)."""
    return httpx.create_ssl_context(verify=True)


def new_http_client(
    request_timeout_s: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """An httpx client with TLS verification on, no automatic redirects, and per-request timeouts."""
    timeout = httpx.Timeout(request_timeout_s, connect=min(10.0, request_timeout_s))
    return httpx.AsyncClient(
        verify=_ssl_context(), timeout=timeout, follow_redirects=False, transport=transport, trust_env=True
    )


def _origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parts = urlsplit(str(url))
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), port)


def same_origin(a: str | httpx.URL, b: str | httpx.URL) -> bool:
    return _origin(a) == _origin(b)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _safe_url(url: str | httpx.URL) -> str:
    """A URL for messages: no query string or credentials (either could hold a token)."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"


def provider_message(response: httpx.Response) -> str:
    """The provider's own words for a failure, from the usual JSON error shapes, else the body text."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return redact(_words(body))[:500] or f"HTTP {response.status_code}"


def _words(body: Any) -> str:
    if isinstance(body, Mapping):
        if "msg" in body:  # a FastAPI/pydantic validation item: {"loc": [...], "msg": "..."}
            loc = ".".join(str(part) for part in body.get("loc") or () if part not in ("body",))
            return f"{loc}: {body['msg']}" if loc else str(body["msg"])
        for key in ("detail", "error", "message", "title", "failure", "failure_reason"):
            value = body.get(key)
            if value:
                return _words(value)
        return ""
    if isinstance(body, list):
        return "; ".join(w for w in (_words(item) for item in body) if w)
    if isinstance(body, str):
        return body.strip()
    return "" if body is None else str(body)


@dataclass(frozen=True)
class Reply:
    """An API answer: its status, its JSON (``None`` for an accepted error status) and, for an accepted
    error status, the provider's words."""

    status: int
    data: Any
    headers: httpx.Headers
    message: str = ""


Timeout = httpx.Timeout | float | None


class ApiClient:
    """Calls one provider's API; ``auth`` headers go only to ``base_url``'s origin."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        label: str,
        auth: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.label = label
        self._auth = dict(auth or {})
        self._headers = {"User-Agent": "segment-workbench", **dict(headers or {})}

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def sends_auth_to(self, url: str | httpx.URL) -> bool:
        return bool(self._auth) and same_origin(url, self.base_url)

    async def call(
        self,
        method: str,
        path: str,
        *,
        action: str,
        idempotent: bool,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        accept: tuple[int, ...] = (),
        busy: tuple[int, ...] = (),
        request_timeout: Timeout = None,
    ) -> Reply:
        """One API request → its JSON. ``action`` ("creating the job") goes into messages.

        Statuses in ``accept`` come back for the caller to handle; those in ``busy`` (e.g. Cog's 409 when all
        slots are taken: nothing was created) are transient even for a create.
        """
        async with self.stream(
            method,
            path,
            action=action,
            idempotent=idempotent,
            json=json,
            files=files,
            headers=headers,
            accept=accept,
            busy=busy,
            request_timeout=request_timeout,
        ) as response:
            await response.aread()
        if response.status_code in accept and not response.is_success:
            return Reply(response.status_code, None, response.headers, provider_message(response))
        try:
            data = response.json() if response.content else None
        except ValueError:
            raise BackendError(
                f"{self.label} sent an answer that is not JSON while {action}.",
                detail=redact(f"HTTP {response.status_code} from {_safe_url(response.url)}"),
            ) from None
        return Reply(response.status_code, data, response.headers)

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        action: str,
        idempotent: bool,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        accept: tuple[int, ...] = (),
        busy: tuple[int, ...] = (),
        request_timeout: Timeout = None,
    ) -> AsyncIterator[httpx.Response]:
        """Like :meth:`call`, but yields the open response to read as it arrives (server-sent events).

        A connection that drops while the body is read raises as :meth:`call` does.
        """
        try:
            response = await self._send(
                method,
                self.url(path),
                json=json,
                files=files,
                headers=headers,
                request_timeout=request_timeout,
            )
        except httpx.HTTPError as exc:
            self._raise_transport(exc, action=action, idempotent=idempotent)
        try:
            if not response.is_success:
                await response.aread()
            self._check_status(response, action=action, idempotent=idempotent, accept=accept, busy=busy)
            yield response
        except httpx.HTTPError as exc:
            self._raise_transport(exc, action=action, idempotent=idempotent)
        finally:
            await response.aclose()

    def _check_status(
        self,
        response: httpx.Response,
        *,
        action: str,
        idempotent: bool,
        accept: tuple[int, ...],
        busy: tuple[int, ...],
    ) -> None:
        if response.status_code in busy:
            raise TransientBackendError(
                f"{self.label} is busy (HTTP {response.status_code}) while {action}.",
                detail=redact(provider_message(response)),
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        if response.status_code in accept:
            return
        if not response.is_success:
            self._raise_status(response, action=action, idempotent=idempotent)

    async def download(self, url: str, dest: Path) -> int:
        """Stream ``url`` into ``dest`` (created or truncated); returns its size. Idempotent, so retryable.

        A body shorter than its ``Content-Length`` is a :class:`TransientBackendError` (download again).
        """
        action = "downloading the video"
        try:
            response = await self._send("GET", url)
        except httpx.HTTPError as exc:
            self._raise_transport(exc, action=action, idempotent=True)
        try:
            if response.status_code in (403, 404, 410):
                raise BackendError(
                    f"The video is no longer available from {self.label} (HTTP {response.status_code}); "
                    "providers keep outputs only for a while. Regenerate to make a new one.",
                    detail=_safe_url(url),
                )
            if not response.is_success:
                await response.aread()
                self._raise_status(response, action=action, idempotent=True)
            expected = response.headers.get("content-length")
            size = 0
            with dest.open("wb") as out:
                async for chunk in response.aiter_raw(_CHUNK):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise BackendError(
                            f"{self.label}'s output is larger than {MAX_DOWNLOAD_BYTES // 1024**3} GiB; "
                            "it was not kept. Check the model's settings."
                        )
                    out.write(chunk)
            identity = response.headers.get("content-encoding") in (None, "identity")
            if identity and expected is not None and expected.isdigit() and int(expected) != size:
                raise TransientBackendError(
                    f"The download from {self.label} stopped early ({size} of {expected} bytes).",
                    detail=_safe_url(url),
                )
            return size
        except httpx.HTTPError as exc:
            self._raise_transport(exc, action=action, idempotent=True)
        finally:
            await response.aclose()

    async def _send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        request_timeout: Timeout = None,
    ) -> httpx.Response:
        """Send, following redirects by hand so that Authorization never leaves the API's origin."""
        for _ in range(MAX_REDIRECTS + 1):
            request_headers = {**self._headers, **dict(headers or {})}
            if self.sends_auth_to(url):
                request_headers.update(self._auth)
            request = self.http.build_request(
                method,
                url,
                json=json,
                files=files,
                headers=request_headers,
                timeout=httpx.USE_CLIENT_DEFAULT if request_timeout is None else request_timeout,
            )
            response = await self.http.send(request, stream=True)
            location = response.headers.get("location")
            if not (response.is_redirect and location):
                return response  # unread: the caller reads it whole or streams it
            await response.aclose()
            url = urljoin(str(response.url), location)
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                method, json, files = "GET", None, None
        raise BackendError(
            f"{self.label} redirected more than {MAX_REDIRECTS} times; giving up.", detail=_safe_url(url)
        )

    def _raise_status(self, response: httpx.Response, *, action: str, idempotent: bool) -> NoReturn:
        status = response.status_code
        words = provider_message(response)
        detail = f"HTTP {status} from {_safe_url(response.url)}"
        if status == 429:
            # A rate-limited request was refused before it ran, so even a create is safe to repeat.
            raise TransientBackendError(
                f"{self.label} is rate-limiting requests (HTTP 429) while {action}.",
                detail=redact(f"{detail}: {words}"),
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        if status == 408 or status >= 500:
            if idempotent:
                raise TransientBackendError(
                    f"{self.label} had a server problem (HTTP {status}) while {action}.",
                    detail=redact(f"{detail}: {words}"),
                    retry_after=parse_retry_after(response.headers.get("retry-after")),
                )
            raise BackendError(
                _unconfirmed(self.label, f"HTTP {status}"), detail=redact(f"{detail}: {words}")
            )
        if status in (401, 403):
            raise BackendError(
                f"{self.label} refused the API token (HTTP {status}) while {action}: {words}. Check that the "
                "token in the model's environment variable is valid and allowed to run this model.",
                detail=redact(detail),
            )
        if status == 402:
            raise BackendError(
                f"{self.label} says the account cannot pay for this (HTTP 402): {words}. Add credit, then "
                "regenerate.",
                detail=redact(detail),
            )
        advice = (
            " Check this model's settings and its inputs in models.json."
            if status in (400, 404, 409, 413, 415, 422)
            else ""
        )
        raise BackendError(
            f"{self.label} refused the request (HTTP {status}) while {action}: {words}.{advice}",
            detail=redact(detail),
        )

    def _raise_transport(self, exc: httpx.HTTPError, *, action: str, idempotent: bool) -> NoReturn:
        kind = type(exc).__name__
        where = redact(_safe_url(exc.request.url)) if _has_request(exc) else ""
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):  # retrying cannot fix a certificate
            raise BackendError(
                f"{self.label}'s TLS certificate could not be verified while {action}, so nothing was sent. "
                "Fix the server's certificate (or point SSL_CERT_FILE at your organisation's CA bundle).",
                detail=redact(f"{kind} at {where}"),
            ) from None
        # A connect failure means nothing reached the server: safe to repeat even a create.
        not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        if idempotent or not_sent:
            message = (
                f"{self.label} did not answer in time while {action}."
                if isinstance(exc, httpx.TimeoutException)
                else f"Could not reach {self.label} while {action} ({kind})."
            )
            raise TransientBackendError(message, detail=redact(f"{kind} at {where}")) from None
        raise BackendError(_unconfirmed(self.label, kind), detail=redact(f"{kind} at {where}")) from None


def _has_request(exc: httpx.HTTPError) -> bool:
    try:
        exc.request  # noqa: B018 - raises RuntimeError when the exception carries no request
    except RuntimeError:
        return False
    return True


def _unconfirmed(label: str, what: str) -> str:
    return (
        f"{label} did not confirm the new job ({what}). It may have started anyway, so it was not retried "
        f"automatically (that could pay twice): check your {label} dashboard, then regenerate if needed."
    )


def decode_data_uri(uri: str) -> tuple[str, bytes]:
    """``data:video/mp4;base64,...`` → (media type, bytes); :class:`BackendError` if it is not one."""
    header, sep, payload = uri.partition(",")
    if not sep or not header.startswith("data:"):
        raise BackendError("The model returned a data URI that cannot be read.")
    media_type = header[5:].split(";")[0] or "application/octet-stream"
    try:
        data = base64.b64decode(payload, validate=True) if header.endswith(";base64") else payload.encode()
    except (binascii.Error, ValueError):
        raise BackendError("The model returned a data URI whose contents are not valid base64.") from None
    return media_type, data
