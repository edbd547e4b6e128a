"""``app/regenerate-starting-image``: image settings → a pending image take → ``image-preview``.

The starting-image twin of ``regenerate_video``. It never writes the lecture: the segment's starting image only
changes when someone accepts the take (``image_actions.accept_image_take``), and then under the same
``starting_image_id``. The take is persisted and the job marked awaiting review *before* ``image-preview`` is
published, so nobody is told about a preview that a crash could lose.
"""

from __future__ import annotations

import secrets

from workbench.domain.clock import next_timestamp
from workbench.domain.ids import new_id
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.models import ImageSettings, ImageTake
from workbench.errors import InvalidSettingError
from workbench.generation.image_base import ImageRequest
from workbench.jobs.context import JobContext
from workbench.jobs.events import EventType

__all__ = ["KIND", "NO_REFERENCE", "run"]

KIND = "app/regenerate-starting-image"
NO_REFERENCE = (
    "This segment has no starting image to start from. Turn off “Start from the current image”, or upload an "
    "image first."
)


async def run(ctx: JobContext) -> JobRecord:
    store, job = ctx.store, ctx.job
    resolved = ctx.spec.resolved  # typed and checked by the action
    settings = resolved.settings
    assert isinstance(settings, ImageSettings)
    lecture = store.lecture(job.lecture_id)
    asset = lecture.asset(job.asset_id)
    reference = None
    if settings.reference:
        reference = store.starting_image_file(lecture, asset.starting_image_id)
        if reference is None:  # removed since the action checked
            raise InvalidSettingError(NO_REFERENCE)

    backend = ctx.registry.image(settings.model)
    take_id = new_id("itake")
    output = store.new_image_take_path(job.lecture_id, take_id)
    output.parent.mkdir(parents=True, exist_ok=True)
    request = ImageRequest(
        settings,
        output,
        reference_path=reference,
        executor=ctx.executor,
        job_id=job.id,
        resume_provider_job_id=job.provider_job_id,
        on_provider_job=ctx.record_provider_job,
        settings_checked=resolved.checked,
    )
    result = await backend.generate(request, ctx.report_progress)

    take = ImageTake(
        id=take_id,
        lecture_id=job.lecture_id,
        asset_id=job.asset_id,
        job_id=job.id,
        path=store.relative(result.path),
        settings=settings,
        provenance=dict(resolved.provenance),
        preview_token=secrets.token_urlsafe(12),
        width=result.width,
        height=result.height,
        created_at=next_timestamp(),
        backend=backend.info.name,
        provider=result.provider,
        provider_job_id=result.provider_job_id,
        cost=result.cost,
        size_bytes=result.size_bytes,
        regions=dict(result.regions),
        reference_path=None if reference is None else store.relative(reference),
        timings=dict(result.timings),
        warnings=tuple(result.warnings),
    )
    await ctx.store_take(take, (result.path,))
    record = ctx.update_job(status=JobStatus.AWAITING_REVIEW, take_id=take.id)
    ctx.publish(
        EventType.IMAGE_PREVIEW,
        "Starting image ready: review it, then accept or reject.",
        {
            "take_id": take.id,
            "preview_token": take.preview_token,
            "path": take.path,
            "settings": settings.to_dict(),
            "width": take.width,
            "height": take.height,
            "size_bytes": take.size_bytes,
            "regions": sorted(take.regions),
            "timings": dict(take.timings),
            "warnings": list(take.warnings),
        },
    )
    return record
