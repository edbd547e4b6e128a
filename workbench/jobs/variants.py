"""Variants on the runner: check every variant as a regeneration would, flag the ones whose video would only
repeat another's, queue the rest as one group, and decide them in one step (accept one, reject the others).

Identical videos are found before anything runs: a model may say which settings decide its output
(``output_key(settings, regions)``, as the local model does: the parsed plan, not the words or a seed that
chooses nothing); otherwise the settings it honours (``BackendInfo.supports``) are compared.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.domain.models import TakeStatus
from workbench.domain.settings import SETTING_FIELDS, VideoOverrides
from workbench.domain.variants import Variant
from workbench.errors import TakeStateError, ValidationError
from workbench.jobs.actions import accept_take, preflight, reject_take
from workbench.jobs.runner import JobHandle, JobSpec, Runner

__all__ = [
    "PlannedVariant",
    "VariantRun",
    "decide_variants",
    "plan_variants",
    "reject_others",
    "run_variants",
]


@dataclass(frozen=True)
class PlannedVariant:
    """A checked variant: its job spec, and ``same_as`` (the index of an earlier variant whose video this one
    would repeat, with ``why`` in words) or ``None``."""

    variant: Variant
    spec: JobSpec
    same_as: int | None = None
    why: str = ""

    @property
    def label(self) -> str:
        return self.variant.label


@dataclass(frozen=True)
class VariantRun:
    """Variants queued together for one segment: ``entries`` are (label, job id) in the order asked."""

    id: str
    asset_id: str
    entries: tuple[tuple[str, str], ...]

    @property
    def job_ids(self) -> frozenset[str]:
        return frozenset(job_id for _, job_id in self.entries)

    def label_of(self, job_id: str) -> str | None:
        return next((label for label, j in self.entries if j == job_id), None)


def _output_key(runner: Runner, spec: JobSpec, regions: Mapping[str, Any] | None) -> Hashable:
    settings = spec.resolved.settings
    backend = runner.registry.get(settings.model)
    keyed = getattr(backend, "output_key", None)
    if callable(keyed):
        return keyed(settings, regions)
    honoured = backend.info.supports | {"model"}
    return tuple((name, str(getattr(settings, name))) for name in SETTING_FIELDS if name in honoured)


def plan_variants(
    runner: Runner,
    lecture_id: str,
    asset_id: str,
    draft: VideoOverrides | Mapping[str, Any] | None,
    variants: Sequence[Variant],
) -> list[PlannedVariant]:
    """Validate each variant (the draft plus its changes) as Regenerate would, and flag repeats; raises the
    first variant's problem in words (naming the variant) before anything runs."""
    base = VideoOverrides.from_mapping(draft).as_dict()
    lecture = runner.store.lecture(lecture_id)
    image = lecture.starting_image(lecture.asset(asset_id).starting_image_id)
    regions = dict(image.regions) if image else None
    planned: list[PlannedVariant] = []
    seen: dict[Hashable, int] = {}
    for variant in variants:
        try:
            spec = preflight(runner, lecture_id, asset_id, {**base, **variant.changes})
        except ValidationError as exc:
            raise type(exc)(f"Variant “{variant.label}”: {exc.message}", detail=exc.detail) from None
        key = _output_key(runner, spec, regions)
        first = seen.setdefault(key, len(planned))
        if first == len(planned):
            planned.append(PlannedVariant(variant, spec))
        else:
            why = f"would render the same video as “{planned[first].label}”" + (
                ": the seed decides nothing in these directions"
                if set(variant.changes) == {"seed"}
                else ": these settings read the same to the model"
            )
            planned.append(PlannedVariant(variant, spec, first, why))
    return planned


def run_variants(
    runner: Runner, planned: Sequence[PlannedVariant], *, include_repeats: bool = False
) -> list[tuple[PlannedVariant, JobHandle]]:
    """Queue the variants as one group on the runner (repeats left out unless ``include_repeats``)."""
    chosen = [p for p in planned if include_repeats or p.same_as is None]
    handles = runner.submit_group([p.spec for p in chosen])
    return list(zip(chosen, handles, strict=True))


async def decide_variants(runner: Runner, keep: str, others: Sequence[str]) -> list[str]:
    """Accept take ``keep`` and reject the other pending takes of ``others`` (they stay in history); returns
    the ids rejected. The accept comes first: if it is refused, nothing is rejected."""
    await accept_take(runner, keep)
    return await reject_others(runner, keep, others)


async def reject_others(runner: Runner, keep: str, others: Sequence[str]) -> list[str]:
    """Reject the takes of ``others`` that are still pending, except ``keep``; returns the ids rejected."""
    rejected = []
    for take_id in others:
        if take_id == keep or runner.store.take(take_id).status is not TakeStatus.PENDING:
            continue
        try:
            await reject_take(runner, take_id)
        except TakeStateError:
            continue  # decided elsewhere meanwhile: nothing to do
        rejected.append(take_id)
    return rejected
