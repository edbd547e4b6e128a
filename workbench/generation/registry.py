"""Model names → backends, for both kinds: video models (a segment's video) and image models (its starting
image). The editor lists :meth:`BackendRegistry.infos` / :meth:`image_infos`; jobs call :meth:`get` /
:meth:`image`. Names are one namespace (``models.json`` has one list), so a name never means two models."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from workbench.errors import UnknownModelError
from workbench.generation.base import BackendInfo, VideoBackend
from workbench.generation.image_base import ImageBackend

__all__ = ["BackendRegistry", "default_registry"]


class BackendRegistry:
    def __init__(self, backends: Iterable[VideoBackend | ImageBackend] = ()) -> None:
        self._backends: dict[str, VideoBackend] = {}
        self._images: dict[str, ImageBackend] = {}
        for backend in backends:
            self.register(backend)

    def register(self, backend: VideoBackend | ImageBackend) -> None:
        """Add (or replace) a model; its ``info.kind`` says which list it joins."""
        name = backend.info.name
        if backend.info.kind == "image":
            self._backends.pop(name, None)
            self._images[name] = backend  # type: ignore[assignment]
        else:
            self._images.pop(name, None)
            self._backends[name] = backend  # type: ignore[assignment]

    # -- video models ----------------------------------------------------------------------------------------

    def get(self, name: str) -> VideoBackend:
        try:
            return self._backends[name]
        except KeyError:
            known = ", ".join(sorted(self._backends)) or "none"
            hint = (
                " It is a starting-image model: pick it in the starting-image form."
                if name in self._images
                else ""
            )
            raise UnknownModelError(
                f"There is no video model called {name!r}. Known models: {known}.{hint}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._backends

    def names(self) -> list[str]:
        return sorted(self._backends)

    def infos(self) -> list[BackendInfo]:
        return [self._backends[name].info for name in self.names()]

    # -- image models ----------------------------------------------------------------------------------------

    def image(self, name: str) -> ImageBackend:
        try:
            return self._images[name]
        except KeyError:
            known = ", ".join(sorted(self._images)) or "none"
            hint = " It is a video model: pick it in the video settings." if name in self._backends else ""
            raise UnknownModelError(
                f"There is no starting-image model called {name!r}. Known image models: {known}.{hint}"
            ) from None

    def has_image(self, name: object) -> bool:
        return name in self._images

    def image_infos(self) -> list[BackendInfo]:
        return [self._images[name].info for name in sorted(self._images)]

    def info(self, name: str, kind: str = "video") -> BackendInfo | None:
        """The model ``name`` of ``kind`` (``"video"`` or ``"image"``), or ``None``."""
        found = (self._images if kind == "image" else self._backends).get(name)
        return None if found is None else found.info


def default_registry(store_root: str | Path | None = None) -> BackendRegistry:
    """The embedded local models (``DEFAULT_VIDEO_MODEL``, ``DEFAULT_IMAGE_MODEL``); with ``store_root``, also
    the hosted models that the user's and the store's ``models.json`` declare (a broken file raises
    ``ModelConfigError``)."""
    from workbench.generation.local.backend import LocalCameraBackend
    from workbench.generation.local.slide_backend import LocalSlideBackend

    registry = BackendRegistry([LocalCameraBackend(), LocalSlideBackend()])
    if store_root is not None:
        from workbench.generation.http.catalog import hosted_backends
        from workbench.generation.http.image_catalog import hosted_image_backends

        for backend in hosted_backends(store_root):
            registry.register(backend)
        for image_backend in hosted_image_backends(store_root):
            registry.register(image_backend)
    return registry
