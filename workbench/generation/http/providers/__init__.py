"""The providers a ``models.json`` entry may name, by their ``provider`` value."""

from __future__ import annotations

from workbench.generation.http.providers.base import ProviderAPI
from workbench.generation.http.providers.cog import Cog
from workbench.generation.http.providers.fal import Fal
from workbench.generation.http.providers.luma import Luma
from workbench.generation.http.providers.replicate import Replicate
from workbench.generation.http.providers.runway import Runway

__all__ = ["PROVIDERS", "ProviderAPI"]

PROVIDERS: dict[str, type[ProviderAPI]] = {api.name: api for api in (Replicate, Fal, Runway, Luma, Cog)}
