"""Response bodies in each provider's documented shape, for respx contract tests.

Every builder cites the page its fields come from; only fields the backend reads, plus a few it must ignore.
"""

from __future__ import annotations

from typing import Any

REPLICATE = "https://api.replicate.com/v1"
FAL = "https://queue.fal.run"
RUNWAY = "https://api.dev.runwayml.com/v1"
LUMA = "https://api.lumalabs.ai/dream-machine/v1"
DELIVERY = "https://replicate.delivery/xezq/abc/output.mp4"
CDN = "https://cdn.example-provider.net/videos/out.mp4"


def replicate_prediction(
    pid: str = "rrr9q2v1",
    status: str = "starting",
    *,
    output: Any = None,
    error: str | None = None,
    logs: str = "",
    predict_time: float | None = None,
) -> dict[str, Any]:
    """https://replicate.com/docs/reference/http#predictions.get"""
    return {
        "id": pid,
        "model": "acme/lecture-i2v",
        "version": "5a8f1c",
        "input": {"prompt": "…"},
        "logs": logs,
        "output": output,
        "data_removed": False,
        "error": error,
        "status": status,
        "created_at": "2026-11-24T15:02:31.000Z",
        "urls": {
            "get": f"{REPLICATE}/predictions/{pid}",
            "cancel": f"{REPLICATE}/predictions/{pid}/cancel",
        },
        "metrics": {} if predict_time is None else {"predict_time": predict_time},
    }


def fal_submitted(
    request_id: str = "80e732af-660e-45cd-bd63-580e4f2a94cc", app: str = "fal-ai/kling-video"
) -> dict:
    """https://docs.fal.ai/documentation/model-apis/inference/queue (submit response)"""
    base = f"{FAL}/{app}/requests/{request_id}"
    return {
        "request_id": request_id,
        "response_url": base,
        "status_url": f"{base}/status",
        "cancel_url": f"{base}/cancel",
        "queue_position": 0,
    }


def fal_status(
    status: str, *, position: int | None = None, logs: list[str] = (), error: str | None = None
) -> dict:
    """https://docs.fal.ai/documentation/model-apis/inference/queue (status response)"""
    body: dict[str, Any] = {"status": status, "response_url": f"{FAL}/fal-ai/kling-video/requests/x"}
    if position is not None:
        body["queue_position"] = position
    # With ?logs=1 a finished request lists its logs too (fal-client reads them).
    if logs or status == "COMPLETED":
        body["logs"] = [{"message": m, "level": "INFO", "source": "user", "timestamp": "…"} for m in logs]
    if status == "COMPLETED":
        body["metrics"] = {"inference_time": 41.5}
    if error is not None:
        body["error"] = error
    return body


def runway_task(
    task_id: str = "17f20503-6c24-4c16-946b-35dbbce2af2f",
    status: str = "PENDING",
    *,
    progress: float | None = None,
    output: list[str] | None = None,
    failure: str | None = None,
    failure_code: str | None = None,
) -> dict[str, Any]:
    """https://docs.dev.runwayml.com/api/#tag/Task-management/paths/~1v1~1tasks~1%7Bid%7D/get"""
    body: dict[str, Any] = {"id": task_id, "status": status, "createdAt": "2026-11-24T15:02:31.000Z"}
    if progress is not None:
        body["progress"] = progress
    if output is not None:
        body["output"] = output
    if failure is not None:
        body["failure"] = failure
    if failure_code is not None:
        body["failureCode"] = failure_code
    return body


def luma_generation(
    gid: str = "123e4567-e89b-12d3-a456-426614174000",
    state: str = "queued",
    *,
    video: str | None = None,
    failure_reason: str | None = None,
) -> dict[str, Any]:
    """https://docs.lumalabs.ai/reference/getgeneration (lumaai-python ``types/generation.py``)"""
    return {
        "id": gid,
        "generation_type": "video",
        "state": state,
        "failure_reason": failure_reason,
        "created_at": "2026-11-24T15:02:31.000Z",
        "assets": {"video": video, "image": None, "progress_video": None} if video else None,
        "model": "ray-2",
        "request": {"prompt": "…"},
    }


def cog_prediction(
    pid: str, status: str, *, output: Any = None, error: str | None = None, logs: str = ""
) -> dict:
    """https://github.com/replicate/cog/blob/main/docs/http.md (prediction object)"""
    return {
        "id": pid,
        "status": status,
        "output": output,
        "error": error,
        "logs": logs,
        "metrics": {"predict_time": 1.25} if status in ("succeeded", "failed") else {},
    }


def sse(*events: tuple[str, Any]) -> bytes:
    """A ``text/event-stream`` body, as Cog sends it."""
    import json

    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)
