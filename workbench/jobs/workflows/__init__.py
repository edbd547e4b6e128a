"""The workflows by job kind: the runner looks a job's workflow up here, so it imports no workflow module.

Each entry says how to run the kind and how to rebuild its typed settings from a stored job record (a job
resumed after a restart, in a process that never saw its spec), and which kind of model it asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from workbench.domain.image_settings import ImageOverrides, ResolvedImageSettings
from workbench.domain.jobs import JobRecord
from workbench.domain.models import ImageSettings, SettingSource, VideoSettings
from workbench.domain.settings import ResolvedSettings, VideoOverrides
from workbench.errors import JobError
from workbench.jobs.context import JobSpec, Workflow
from workbench.jobs.workflows import regenerate_image, regenerate_video

__all__ = ["WORKFLOWS", "JobKind", "spec_from_record", "workflow_for"]


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its workflow and what a stored record of it means."""

    kind: str
    run: Workflow
    #: ``"video"`` or ``"image"``: which registry of models its ``settings["model"]`` names.
    model_kind: str
    spec_from_record: Callable[[JobRecord], JobSpec]


def _provenance(job: JobRecord) -> dict[str, SettingSource]:
    return {k: SettingSource(v) for k, v in job.provenance.items()}


def _video_spec(job: JobRecord) -> JobSpec:
    resolved = ResolvedSettings(VideoSettings.from_dict(job.settings), _provenance(job), checked=True)
    overrides = VideoOverrides.from_mapping(dict(job.overrides))
    return JobSpec(job.kind, job.lecture_id, job.asset_id, job.user, overrides, resolved)


def _image_spec(job: JobRecord) -> JobSpec:
    resolved = ResolvedImageSettings(ImageSettings.from_dict(job.settings), _provenance(job), checked=True)
    overrides = ImageOverrides.from_mapping(dict(job.overrides))
    return JobSpec(job.kind, job.lecture_id, job.asset_id, job.user, overrides, resolved)


WORKFLOWS: Mapping[str, JobKind] = MappingProxyType(
    {
        regenerate_video.KIND: JobKind(regenerate_video.KIND, regenerate_video.run, "video", _video_spec),
        regenerate_image.KIND: JobKind(regenerate_image.KIND, regenerate_image.run, "image", _image_spec),
    }
)


def workflow_for(kind: str) -> JobKind:
    try:
        return WORKFLOWS[kind]
    except KeyError:
        raise JobError(
            f"There is no workflow for jobs of kind {kind!r}; known kinds: {', '.join(sorted(WORKFLOWS))}. "
            "The store may have been written by a newer workbench."
        ) from None


def spec_from_record(job: JobRecord) -> JobSpec:
    """The typed spec of a stored job (its settings were checked when it was submitted)."""
    return workflow_for(job.kind).spec_from_record(job)
