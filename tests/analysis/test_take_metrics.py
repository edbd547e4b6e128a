"""Take metrics measured on real encoded videos whose content is known by construction: a still, a known pan,
a black clip, two identical encodes, a blurred copy, and camera paths that reverse or stall."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.generation.local import corpus_cases as cc
from workbench.analysis.take_metrics import content_hash, decode_for_metrics, measure_take, ssim
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local import describe_directions, plan_camera_path, render_video

SIZE, FPS, SECONDS = (320, 180), 12, 3.0


def render(tmp_path: Path, directions: str, name: str = "take") -> Path:
    image, regions, _ = cc.slide()
    out = tmp_path / f"{name}.mp4"
    settings = VideoSettings(directions, "local-camera", SECONDS, Resolution(*SIZE), FPS, 0)
    render_video(image, out, settings, regions=regions, quality="draft")
    return out


def encode(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    """Grey or RGB frames → H.264 MP4 (yuv420p), as any model would deliver."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for f in frames:
            rgb = f if f.ndim == 3 else np.dstack([f] * 3)
            container.mux(
                stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24"))
            )
        container.mux(stream.encode())
    return path


def views(path_of: Callable[[float], float], seconds: float = SECONDS, zoom: float = 1.5) -> list[np.ndarray]:
    """Frames of the slide seen through a camera at ``zoom`` whose centre x (image fraction) follows
    ``path_of(t)``, warped sub-pixel (a smooth camera), 320x180."""
    rgb = cv2.imread(str(cc.slide()[0]))[:, :, ::-1]
    ih, iw = rgb.shape[:2]
    w, h = SIZE
    scale = w / (iw / zoom)  # output px per image px
    out = []
    for i in range(round(seconds * FPS)):
        cx, cy = path_of(i / FPS) * iw, 0.5 * ih
        m = np.array([[scale, 0, w / 2 - scale * cx], [0, scale, h / 2 - scale * cy]])
        out.append(cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE))
    return out


def measure(path: Path, directions: str, committed: Path | None = None):
    image, regions, _ = cc.slide()
    return measure_take(
        path, starting_image=image, directions=directions, regions=regions, committed=committed
    )


def test_a_still_holds_is_all_frozen_and_follows_a_static_shot(tmp_path: Path) -> None:
    still = encode(tmp_path / "still.mp4", views(lambda t: 0.5))
    m = measure(still, "static shot")
    assert m.decoded_frames == round(SECONDS * FPS) and m.decoded_duration_s == pytest.approx(SECONDS)
    assert m.motion_amount is not None and m.motion_amount < 0.01
    assert m.jitter is not None and m.jitter < 1e-4
    assert m.frozen_share > 0.9 and m.black_share == 0.0  # x264 refines the first frames a little
    assert m.adherence == 1.0 and m.adherence_reason == ""
    assert (m.reversals, m.stalls) == (0, 0)
    assert all(abs(p.cx - 0.5) < 0.01 and p.zoom == pytest.approx(1.5, rel=0.03) for p in m.motion_path)
    assert 0.7 < m.sharpness < 1.4  # as detailed as the image itself, seen the same way


def test_a_known_pan_is_measured_where_the_plan_put_it(tmp_path: Path) -> None:
    take = render(tmp_path, "pan left")
    m = measure(take, "pan left")
    plan = describe_directions("pan left", cc.slide()[1])
    n = m.decoded_frames
    path = plan_camera_path(plan, (1920, 1080), SIZE, n, FPS)
    poses = path.poses
    planned = sum(
        math.hypot((b.cx - a.cx) / a.view_width, (b.cy - a.cy) / a.view_height)
        + abs(math.log(b.zoom / a.zoom))
        for a, b in itertools.pairwise(poses)
    )
    assert m.motion_amount == pytest.approx(planned, rel=0.1)
    first, last = m.motion_path[0], m.motion_path[-1]
    assert first.cx * 1920 == pytest.approx(poses[0].cx, abs=0.02 * poses[0].view_width)
    end = poses[round(last.t * FPS)]
    assert last.cx * 1920 == pytest.approx(end.cx, abs=0.02 * end.view_width)
    assert last.cx < first.cx - 0.05  # it went left
    assert (m.reversals, m.stalls) == (0, 0)
    assert m.adherence == 1.0 and m.adherence_moves[0].ok is True and "x -" in m.adherence_moves[0].measured
    assert m.frozen_share < 0.2 and m.black_share == 0.0
    assert len(m.content_hash) == 64 and m.content_hash == content_hash(take)


def test_a_black_clip_is_black_and_not_measurable(tmp_path: Path) -> None:
    black = encode(tmp_path / "black.mp4", [np.zeros((SIZE[1], SIZE[0]), np.uint8)] * 24)
    m = measure(black, "pan left then zoom in")
    assert m.black_share == 1.0 and m.frozen_share == 1.0 and m.decoded_frames == 24
    assert m.adherence is None and "located" in m.adherence_reason
    assert [c.ok for c in m.adherence_moves] == [None, None]
    assert m.motion_amount is None and m.jitter is None and m.reversals is None and m.motion_path == ()
    assert m.sharpness == pytest.approx(0.0, abs=0.05)


def test_adherence_is_high_when_the_take_follows_and_low_when_it_zooms_out(tmp_path: Path) -> None:
    follows = measure(render(tmp_path, "pan left then zoom in", "a"), "pan left then zoom in")
    zooms_out = measure(render(tmp_path, "zoom out", "b"), "pan left then zoom in")
    assert follows.adherence == 1.0, follows.adherence_moves
    assert zooms_out.adherence is not None and zooms_out.adherence <= 0.5
    assert [c.move for c in follows.adherence_moves] == ["pan left", "zoom in"]
    assert any(c.ok is False for c in zooms_out.adherence_moves), zooms_out.adherence_moves


def test_two_identical_encodes_hash_the_same_and_are_fully_similar(tmp_path: Path) -> None:
    a, b = render(tmp_path, "tilt up", "a"), render(tmp_path, "tilt up", "b")
    other = render(tmp_path, "zoom out", "c")
    first, second = measure(a, "tilt up", committed=b), measure(b, "tilt up")
    assert first.content_hash == second.content_hash
    assert first.similarity_ssim == pytest.approx(1.0, abs=1e-6)
    assert second.similarity_ssim is None  # no committed video, no similarity
    assert measure(a, "tilt up", committed=other).similarity_ssim < 0.9
    assert measure(other, "zoom out").content_hash != first.content_hash


def test_a_blurred_copy_is_less_sharp(tmp_path: Path) -> None:
    frames = views(lambda t: 0.55 - 0.05 * t / SECONDS)
    sharp = measure(encode(tmp_path / "sharp.mp4", frames), "pan left")
    blurred = measure(
        encode(tmp_path / "soft.mp4", [cv2.GaussianBlur(f, (0, 0), 2.0) for f in frames]), "pan left"
    )
    assert blurred.sharpness < 0.6 * sharp.sharpness
    assert blurred.motion_amount == pytest.approx(sharp.motion_amount, rel=0.25)  # blur is not motion


def _eased(a: float, b: float, t: float) -> float:
    u = min(max(t, 0.0), 1.0)
    return a + (b - a) * u * u * (3 - 2 * u)


@pytest.mark.parametrize(
    ("name", "path_of", "reversals", "stalls"),
    [
        ("smooth", lambda t: _eased(0.6, 0.4, t / SECONDS), 0, 0),
        (
            "reverses",
            lambda t: (
                0.6 - 0.12 * t
                if t < 1.5
                else (0.42 + 0.1 * (t - 1.5) if t < 2.0 else 0.47 - 0.12 * (t - 2.0))
            ),
            1,
            0,
        ),
        (
            "stalls",
            lambda t: _eased(0.6, 0.5, t) if t < 1.0 else (0.5 if t < 2.0 else _eased(0.5, 0.4, t - 2.0)),
            0,
            1,
        ),
    ],
)
def test_reversals_and_stalls_are_counted_within_a_move(
    tmp_path: Path, name: str, path_of: Callable[[float], float], reversals: int, stalls: int
) -> None:
    m = measure(encode(tmp_path / f"{name}.mp4", views(path_of)), "pan left")
    assert (m.reversals, m.stalls) == (reversals, stalls), [round(p.cx, 3) for p in m.motion_path]


def test_ssim_is_one_for_equal_images_and_lower_for_shifted_ones() -> None:
    grey = cv2.resize(cc.slide()[2], (320, 180), interpolation=cv2.INTER_AREA)
    assert ssim(grey, grey) == pytest.approx(1.0)
    assert ssim(grey, np.roll(grey, 6, axis=1)) < 0.9


def test_samples_are_evenly_spaced_and_compare_at_the_same_times(tmp_path: Path) -> None:
    take = encode(tmp_path / "long.mp4", views(lambda t: 0.5 - 0.02 * t, seconds=10.0))
    decoded = decode_for_metrics(take, max_samples=24)
    assert decoded.frames == 120 and len(decoded.samples) <= 24
    gaps = np.diff(decoded.times)
    assert np.allclose(gaps, gaps[0])
    at = decode_for_metrics(take, at_times=[*decoded.times, 99.0])
    assert len(at.samples) == len(decoded.samples) + 1 and at.samples[-1] is None  # past the end: nothing
    assert all(np.array_equal(a, b) for a, b in zip(decoded.samples, at.samples, strict=False))


@pytest.mark.parametrize("fps", [12, 25])
def test_frames_at_given_times_are_the_frames_on_screen_and_skip_what_nobody_needs(
    tmp_path: Path, fps: int
) -> None:
    """Comparing with another video decodes only the frames the wanted ones are predicted from: x264's
    default B-frames are skipped, and the frames kept are exactly those a full decode shows at those times."""
    take = encode(tmp_path / "other.mp4", views(lambda t: 0.45 + 0.03 * t, seconds=4.0), fps=fps)
    with av.open(str(take)) as container:
        shown = [(float(f.time), f.to_ndarray()[: f.height]) for f in container.decode(video=0)]  # Y plane
    times = [0.0, 0.04, 1 / 12, 0.5, 1.23, 2.0, 3.99, 4.5]
    at = decode_for_metrics(take, width=320, at_times=times)
    for t, sample in zip(times, at.samples, strict=True):
        on_screen = [grey for start, grey in shown if start <= t + 1e-6]
        if t >= len(shown) / fps:
            assert sample is None
        else:
            assert np.array_equal(sample, on_screen[-1]), t
    assert at.frames < len(shown)  # frames no wanted frame depends on were never decoded
