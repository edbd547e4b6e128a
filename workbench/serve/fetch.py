"""The starting image of a prediction: decoded from a data URL, or fetched from a checked public URL.

Every failure to fetch reads the same (``The starting image could not be fetched from that URL``) whether the
port was closed, the host silent or the answer an error page, so the server cannot be used to map a network;
only a refused destination says that it was refused (:mod:`.destinations`). What arrives must be an image
(decoded with Pillow) no larger than :data:`MAX_IMAGE_BYTES`.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from urllib.parse import urljoin

import httpx
from PIL import Image, UnidentifiedImageError

from workbench.errors import BackendError
from workbench.generation.http.transport import decode_data_uri
from workbench.serve.destinations import DestinationPolicy, RefusedDestination

__all__ = ["MAX_IMAGE_BYTES", "MAX_REDIRECTS", "fetch_image"]

MAX_IMAGE_BYTES = 50 * 1024**2
MAX_REDIRECTS = 3
FETCH_TIMEOUT_S = 30.0
_FAILED = "The starting image could not be fetched from that URL."
_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif"}


async def fetch_image(source: str, folder: Path, policy: DestinationPolicy) -> Path:
    """Write the starting image into ``folder`` and return its path (:class:`BackendError` otherwise)."""
    if source.startswith("data:"):
        try:
            _, data = decode_data_uri(source)
        except BackendError:
            raise BackendError("The starting image's data URL cannot be read.") from None
    else:
        data = await _download(source, policy)
    if len(data) > MAX_IMAGE_BYTES:
        raise BackendError(f"The starting image is larger than {MAX_IMAGE_BYTES // 1024**2} MiB.")
    kind = await asyncio.to_thread(_image_kind, data)
    path = folder / f"image{_SUFFIXES.get(kind, '.png')}"
    await asyncio.to_thread(path.write_bytes, data)
    return path


def _image_kind(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return str(image.format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise BackendError("The starting image is not an image this server can read.") from None


async def _download(url: str, policy: DestinationPolicy) -> bytes:
    timeout = httpx.Timeout(FETCH_TIMEOUT_S, connect=10.0)
    # trust_env=False: a proxy from the environment would connect on our behalf, past the address checks.
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                target = await policy.resolve(url)
            except RefusedDestination as refused:
                raise BackendError(f"The starting image URL was refused: {refused}.") from None
            extensions = {"sni_hostname": target.server_name} if target.server_name else {}
            try:
                request = client.build_request(
                    "GET", target.url, headers={"Host": target.host_header}, extensions=extensions
                )
                response = await client.send(request, stream=True)
            except httpx.HTTPError:
                raise BackendError(_FAILED) from None
            try:
                if response.is_redirect and response.headers.get("location"):
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise BackendError(_FAILED)
                return await _read_capped(response)
            except httpx.HTTPError:
                raise BackendError(_FAILED) from None
            finally:
                await response.aclose()
    raise BackendError(_FAILED)


async def _read_capped(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMAGE_BYTES:
        raise BackendError(f"The starting image is larger than {MAX_IMAGE_BYTES // 1024**2} MiB.")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            raise BackendError(f"The starting image is larger than {MAX_IMAGE_BYTES // 1024**2} MiB.")
        chunks.append(chunk)
    return b"".join(chunks)
