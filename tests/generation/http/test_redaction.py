"""A token never reaches disk or a log line, whatever path a provider's words take: the store redacts every
column that can carry them, and the loggers that print provider URLs (httpx's INFO line) are filtered."""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest

from tests.conftest import OWNER
from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.models import Resolution, SettingSource, Take, VideoSettings
from workbench.domain.redaction import forget_secrets, redact
from workbench.generation.http.redaction import read_token

TOKEN = "r8_S3cretTokenValue0123456789abcdef"


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WB_TEST_TOKEN", TOKEN)
    value = read_token("WB_TEST_TOKEN", model="m", provider="p")  # remembered as a secret from now on
    yield value
    forget_secrets(value)


def _every_byte(root) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_provider_words_are_redacted_in_every_stored_row(store, lecture, token) -> None:
    now = next_timestamp()
    job = JobRecord(
        "job-1", "app/regenerate-video-segment", "lec", "seg-1", OWNER, JobStatus.RUNNING, now, now,
        provider_job_id=f"pred-{token}",  # a provider that echoes the token in its job id
    )  # fmt: skip
    store.save_job(job)
    store.save_job(
        dataclasses.replace(job, status=JobStatus.FAILED, error=f"401: Authorization: Bearer {token}")
    )
    path = store.new_take_path("lec", "take-1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"video")
    settings = VideoSettings("pan", "local-camera", 1.0, Resolution(320, 180), 12, 0)
    store.record_take(
        Take("take-1", "lec", "seg-1", "job-1", store.relative(path), settings, {"model": SettingSource.DEFAULT},
             "tok", provider_job_id=f"pred-{token}", warnings=(f"output at https://cdn.example/v.mp4?token={token}",))
    )  # fmt: skip
    store.append_events(
        [{"event_id": "e1", "type": "job-failed", "time": now, "job_id": "job-1", "lecture_id": "lec",
          "asset_id": "seg-1", "message": f"failed with key {token}", "payload_json": f'{{"detail": "{token}"}}'}]
    )  # fmt: skip
    assert TOKEN.encode() not in _every_byte(store.root)
    assert store.job("job-1").provider_job_id == "pred-[redacted]"
    assert store.take("take-1").warnings == ("output at https://cdn.example/v.mp4?token=[redacted]",)
    assert store.events().iloc[0]["payload_json"] == '{"detail": "[redacted]"}'  # still valid JSON


def test_httpx_request_log_lines_are_redacted(token, caplog) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"mp4"))
    signed = "https://bucket.example/out.mp4?X-Amz-Signature=abcdef0123456789&X-Amz-Credential=AKIA/x&id=7"
    with caplog.at_level(logging.INFO, logger="httpx"), httpx.Client(transport=transport) as client:
        client.get(f"https://cdn.example/output/{token}/video.mp4")
        client.get(signed)
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(lines) == 2 and all("HTTP Request: GET" in line for line in lines)
    assert TOKEN not in caplog.text and "abcdef0123456789" not in caplog.text and "AKIA" not in caplog.text
    assert "/output/[redacted]/video.mp4" in lines[0] and "&id=7" in lines[1]


def test_tracebacks_in_our_loggers_are_redacted(token, caplog) -> None:
    logger = logging.getLogger("workbench.jobs")
    with caplog.at_level(logging.ERROR, logger="workbench.jobs"):
        try:
            raise RuntimeError(f"provider said: invalid token {token}")
        except RuntimeError:
            logger.exception("Job %s failed unexpectedly", "job-1")
    (record,) = [r for r in caplog.records if r.name == "workbench.jobs"]
    assert TOKEN not in caplog.text and TOKEN not in (record.exc_text or "")
    assert "[redacted]" in record.exc_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abcdefghijklmnop", "Authorization: [redacted]"),
        ('{"api_key": "abc123"}', '{"api_key": "[redacted]"}'),
        ("https://x/y?sig=123&a=1", "https://x/y?sig=[redacted]&a=1"),
        ("a plain message with no secret", "a plain message with no secret"),
    ],
)
def test_credential_shapes_are_redacted_whatever_their_value(text, expected) -> None:
    assert redact(text) == expected
