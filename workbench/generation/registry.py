"""Model names → backends. The UI lists :meth:`BackendRegistry.infos`; jobs call :meth:`get`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from workbench.errors import UnknownModelError
from workbench.generation.base import BackendInfo, VideoBackend

__all__ = ["BackendRegistry", "default_registry"]


class BackendRegistry:
    def __init__(self, backends: Iterable[VideoBackend] = ()) -> None:
        self._backends: dict[str, VideoBackend] = {}
        for backend in backends:
            self.register(backend)

    def register(self, backend: VideoBackend) -> None:
        self._backends[backend.info.name] = backend

    def get(self, name: str) -> VideoBackend:
        try:
            return self._backends[name]
        except KeyError:
            known = ", ".join(sorted(self._backends)) or "none"
            raise UnknownModelError(
                f"There is no video model called {name!r}. Known models: {known}."
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._backends

    def names(self) -> list[str]:
        return sorted(self._backends)

    def infos(self) -> list[BackendInfo]:
        return [self._backends[name].info for name in self.names()]


def default_registry(store_root: str | Path | None = None) -> BackendRegistry:
    """The embedded local model (``DEFAULT_VIDEO_MODEL``); with ``store_root``, also the hosted models that
    the user's and the store's ``models.json`` declare (a broken file raises ``ModelConfigError``)."""
    from workbench.generation.local.backend import LocalCameraBackend

    registry = BackendRegistry([LocalCameraBackend()])
    if store_root is not None:
        from workbench.generation.http.catalog import hosted_backends

        for backend in hosted_backends(store_root):
            registry.register(backend)
    return registry
