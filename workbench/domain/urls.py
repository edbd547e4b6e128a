"""Cache-busting media URLs (the seed's ``buildVideoAssetUrl``).

The committed player uses ``?v=<updated_at>``; the Jupyter server caches such a URL for years, which is safe
because ``updated_at`` changes on every commit. The preview dialog uses ``?preview=<token>``, which the server
sends ``no-cache``. Exactly one of the two is allowed. URLs are absolute: widgets set ``src`` directly and do
not resolve relative paths against the server.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote, urlencode, urlsplit

from workbench.errors import InvalidSettingError, NotFoundError

__all__ = ["build_video_asset_url"]


class _HasPath(Protocol):
    @property
    def path(self) -> str | None: ...


def build_video_asset_url(
    asset: _HasPath | str,
    *,
    base_url: str,
    updated_at: str | None = None,
    preview_token: str | None = None,
) -> str:
    """``<base_url><path>?v=<updated_at>`` or ``<base_url><path>?preview=<token>``.

    ``asset`` is a VideoAsset, a Take or a store-relative path; ``base_url`` is the absolute URL (or
    root-relative path, which a browser resolves against the page's own origin) under which the store's files
    are served, for example ``/files/demo-store/`` or ``http://127.0.0.1:8888/files/demo-store/``.
    """
    if (updated_at is None) == (preview_token is None):
        raise InvalidSettingError(
            "A video URL needs exactly one cache key: updated_at for the committed player or preview_token "
            "for the preview dialog."
        )
    key, value = ("v", updated_at) if updated_at is not None else ("preview", preview_token)
    if not value:
        raise InvalidSettingError(f"The {key!r} cache key is empty; commit or regenerate the video first.")
    path = asset if isinstance(asset, str) else asset.path
    if not path:
        raise NotFoundError("This segment has no video yet. Regenerate it to create one.")
    parts = urlsplit(base_url)
    root_relative = base_url.startswith("/") and not base_url.startswith("//")
    if not root_relative and (not parts.scheme or (parts.scheme != "file" and not parts.netloc)):
        raise InvalidSettingError(
            f"The media base URL {base_url!r} is not absolute. Use the Jupyter server's files URL, for "
            "example /files/store/ or http://127.0.0.1:8888/files/store/."
        )
    base = base_url if base_url.endswith("/") else base_url + "/"
    segments = [quote(part, safe="") for part in path.replace("\\", "/").split("/") if part]
    return f"{base}{'/'.join(segments)}?{urlencode({key: value})}"
