"""What a batch regenerates: a selection of segments, overrides for all, variants, and a review policy."""

from __future__ import annotations

import string
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.domain.image_settings import IMAGE_SETTING_FIELDS, ImageOverrides
from workbench.domain.settings import SETTING_FIELDS, VideoOverrides
from workbench.errors import InvalidSettingError, UnknownFieldError, WorkbenchError

__all__ = ["BatchRequest", "ReviewPolicy", "apply_policy"]


class ReviewPolicy(StrEnum):
    """What happens to each new take.

    ``review`` (default) leaves previews pending for a person in the review workbench; ``accept-all`` commits
    every successful take; ``accept-passing`` commits only takes that pass the checks (decodes, expected frame
    count and duration, no errors). With several variants per segment, the accept policies commit the first
    variant that qualifies and leave the others pending for comparison.
    """

    REVIEW = "review"
    ACCEPT_ALL = "accept-all"
    ACCEPT_PASSING = "accept-passing"


_TEMPLATE_FIELDS = {"movie_directions", "title", "asset_id", "lecture_id"}


@dataclass(frozen=True)
class BatchRequest:
    """A batch, as plain data (what the papermill notebook's parameters become).

    ``directions_template`` rewrites each segment's directions, e.g. ``"{movie_directions}, slow push-in"``.
    ``variants`` is a list of override mappings tried per segment (e.g. ``[{"seed": 1}, {"seed": 2}]`` or
    ``[{"model": "a"}, {"model": "b"}]``); each variant's fields override ``overrides``.
    ``images=True`` regenerates the segments' *starting images* instead: the overrides and variants are then
    image settings (``prompt``, ``model``, ``size``, ``seed``, ``reference``), e.g. for every segment that lacks
    one (``query="not has_starting_image"``).
    """

    lecture_ids: Sequence[str] | None = None
    asset_ids: Sequence[str] | None = None
    query: str | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    directions_template: str | None = None
    variants: Sequence[Mapping[str, Any]] = ({},)
    policy: ReviewPolicy = ReviewPolicy.REVIEW
    images: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy", _policy(self.policy))
        object.__setattr__(self, "variants", tuple(dict(v) for v in (self.variants or ({},))))
        overrides_type: type[ImageOverrides] | type[VideoOverrides] = (
            ImageOverrides if self.images else VideoOverrides
        )
        overrides_type.from_mapping(self.overrides)
        for variant in self.variants:
            overrides_type.from_mapping({**self.overrides, **variant})
        if self.images and self.directions_template:
            raise InvalidSettingError(
                "A directions template is for videos; an image batch takes a prompt override."
            )
        if "movie_directions" in self.overrides and self.directions_template:
            raise InvalidSettingError(
                "Give either movie_directions in the overrides or a directions_template, not both."
            )
        if self.directions_template is not None:
            names = _template_fields(self.directions_template)
            unknown = names - _TEMPLATE_FIELDS
            if unknown:
                raise UnknownFieldError(
                    f"The directions template uses {', '.join(sorted(unknown))}; it may use "
                    f"{', '.join('{' + n + '}' for n in sorted(_TEMPLATE_FIELDS))}."
                )

    def overrides_for(self, variant: Mapping[str, Any], segment: Mapping[str, Any]) -> dict[str, Any]:
        """The overrides one (segment, variant) item runs with."""
        fields = IMAGE_SETTING_FIELDS if self.images else SETTING_FIELDS
        merged = {k: v for k, v in {**self.overrides, **variant}.items() if k in fields and v is not None}
        if self.directions_template and "movie_directions" not in variant:
            merged["movie_directions"] = self.directions_template.format(
                **{name: segment.get(name, "") for name in _TEMPLATE_FIELDS}
            )
        return merged


def _template_fields(template: str) -> set[str]:
    """The fields a directions template uses; a malformed one is refused in words (tried on sample text)."""
    example = "{movie_directions}, then slow push-in"
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        if names <= _TEMPLATE_FIELDS:
            template.format(**dict.fromkeys(_TEMPLATE_FIELDS, "text"))
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        raise InvalidSettingError(
            f"The directions template {template!r} cannot be used ({exc}). Write fields in braces, e.g. "
            f"{example!r}; a literal brace is doubled: {{{{ or }}}}."
        ) from None
    if "" in names:
        raise InvalidSettingError(
            f"The directions template {template!r} has empty braces {{}}. Name the field, e.g. {example!r}."
        )
    return names


def _policy(value: object) -> ReviewPolicy:
    try:
        return ReviewPolicy(str(value))
    except ValueError:
        raise InvalidSettingError(
            f"Unknown review policy {value!r}. Use one of: {', '.join(p.value for p in ReviewPolicy)}."
        ) from None


async def apply_policy(
    policy: ReviewPolicy,
    problems: Sequence[str],
    out: dict[str, Any],
    *,
    accept: bool,
    accept_take: Callable[[], Awaitable[object]],
) -> None:
    """Accept a checked take when the policy says so (``accept`` False: another variant of its segment was
    accepted already); the outcome goes into the row ``out`` (``status``, or ``detail`` saying why not)."""
    wants = policy is ReviewPolicy.ACCEPT_ALL or (policy is ReviewPolicy.ACCEPT_PASSING and not problems)
    if accept and wants:
        try:
            await accept_take()
            out["status"] = "accepted"
        except WorkbenchError as exc:
            out.update(detail=f"not accepted: {exc.message}")
    elif problems and policy is ReviewPolicy.ACCEPT_PASSING:
        out["detail"] = f"not accepted: failed its checks ({'; '.join(problems)})"
