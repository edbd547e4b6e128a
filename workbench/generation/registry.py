"""Model names → backends. The UI lists :meth:`BackendRegistry.infos`; jobs call :meth:`get`."""

from __future__ import annotations

from collections.abc import Iterable

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


def default_registry() -> BackendRegistry:
    """A registry with the embedded local model (``DEFAULT_VIDEO_MODEL``)."""
    from workbench.generation.local.backend import LocalCameraBackend

    return BackendRegistry([LocalCameraBackend()])
