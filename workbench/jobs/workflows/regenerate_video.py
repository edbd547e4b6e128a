"""``app/regenerate-video-segment``: starting image + effective settings → a pending take → ``video-preview``.

The seed's Inngest function, as an asyncio workflow. It never writes the lecture: the committed video only
changes when someone accepts the take (see ``actions.accept_take``). Order matters for durability: the take
is persisted and the job marked awaiting review *before* ``video-preview`` is published, so nobody is told
about a preview that a crash could lose.
"""

from __future__ import annotations

import secrets

from workbench.domain.clock import next_timestamp
from workbench.domain.ids import new_id
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.models import Take, VideoSettings
from workbench.errors import StartingImageMissingError
from workbench.generation.base import GenerationRequest
from workbench.jobs.context import JobContext
from workbench.jobs.events import EventType
from workbench.jobs.metrics import live_measurement, measure_new_take

__all__ = ["KIND", "run"]

KIND = "app/regenerate-video-segment"


async def run(ctx: JobContext) -> JobRecord:
    store, job = ctx.store, ctx.job
    resolved = ctx.spec.resolved  # typed and checked by the action: no dict round trip, no second validation
    settings = resolved.settings
    assert isinstance(settings, VideoSettings)
    lecture = store.lecture(job.lecture_id)
    asset = lecture.asset(job.asset_id)

    # 1. The stored starting image is required; no placeholder is ever generated in its place.
    if asset.starting_image_id is None:
        raise StartingImageMissingError(f"segment {asset.id!r} never had a starting image")
    image = lecture.starting_image(asset.starting_image_id)
    if image is None:
        raise StartingImageMissingError(f"starting image {asset.starting_image_id!r} is not in the lecture")
    image_path = store.media_path(image.path)
    if not image_path.is_file():
        raise StartingImageMissingError(f"the file {image.path} is missing from the store")

    # 2. Generate into the take's own file.
    backend = ctx.registry.get(settings.model)
    take_id = new_id("take")
    output = store.new_take_path(job.lecture_id, take_id)
    output.parent.mkdir(parents=True, exist_ok=True)
    # A hosted model journals its provider job id the moment it exists (``on_provider_job``); a job resumed
    # after a restart, or retried, carries that id and is followed instead of created (and paid for) again.
    request = GenerationRequest(
        image_path,
        settings,
        output,
        executor=ctx.executor,
        regions=dict(image.regions),
        job_id=job.id,
        resume_provider_job_id=job.provider_job_id,
        on_provider_job=ctx.record_provider_job,
        settings_checked=resolved.checked,
        # measured while it renders where the backend encodes its own video (else from the file, below)
        observer=live_measurement(
            store, output, settings, image_path=image_path, regions=image.regions, committed=asset.path
        ),
    )
    result = await backend.generate(request, ctx.report_progress)

    # 3. Persist the take, then the job state, measure it (see jobs/metrics.py), then tell everyone.
    take = Take(
        id=take_id,
        lecture_id=job.lecture_id,
        asset_id=job.asset_id,
        job_id=job.id,
        path=store.relative(result.path),
        settings=settings,
        provenance=dict(resolved.provenance),
        preview_token=secrets.token_urlsafe(12),
        created_at=next_timestamp(),
        backend=backend.info.name,
        provider=result.provider,
        provider_job_id=result.provider_job_id,
        cost=result.cost,
        frame_count=result.frame_count,
        size_bytes=result.size_bytes,
        timings=dict(result.timings),
        warnings=tuple(result.warnings),
        starting_image_version=image.version,
    )
    await ctx.store_take(take, (result.path,))  # nothing half-written: no file without its take record
    record = ctx.update_job(status=JobStatus.AWAITING_REVIEW, take_id=take.id)
    await measure_new_take(
        ctx, take, image_path=image_path, regions=image.regions, committed=asset.path, measured=result.metrics
    )
    ctx.publish(
        EventType.VIDEO_PREVIEW,
        "Preview ready: review it, then accept or reject.",
        {
            "take_id": take.id,
            "preview_token": take.preview_token,
            "path": take.path,
            "settings": settings.to_dict(),
            "frame_count": take.frame_count,
            "size_bytes": take.size_bytes,
            "timings": dict(take.timings),
            "warnings": list(take.warnings),
        },
    )
    return record
