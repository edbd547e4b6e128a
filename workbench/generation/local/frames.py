"""Drawing one camera pose of the source planes straight into an I420 frame buffer.

The plain per-frame work is three ``cv2.warpAffine`` calls (Y at output size, U and V at half size), bilinear at
1/32-pixel precision, written into the buffer the encoder takes without a copy. An orbit's turned view uses
``cv2.warpPerspective`` instead. The rest costs only in the shots that ask for it: a whip pan averages several
warps across the shutter (motion blur), and picture effects blend in a blurred or covered copy of the source, or
dim the frame, through a soft mask drawn in source coordinates and warped with the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from workbench.generation.local.pose import CameraPose, Layer
from workbench.generation.local.source import SourcePlanes

__all__ = ["FrameSources", "draw_frame", "i420_planes", "new_i420_buffer", "warp_frame"]

_BLACK_Y, _NEUTRAL_C = 16.0, 128.0
_WARP_FLAGS = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
#: Masks are drawn at this fraction of the source size (soft edges, cheap to warp).
MASK_SCALE = 1 / 4
#: Feathering of mask edges, in mask pixels.
MASK_FEATHER = 1.0


@dataclass(frozen=True)
class FrameSources:
    """The source planes and the copies effects blend in: ``blurred`` (rack focus) and ``covered`` (hidden
    regions and text lines painted over with their surroundings). Both ``None`` when the shot needs none."""

    base: SourcePlanes
    blurred: SourcePlanes | None = None
    covered: SourcePlanes | None = None


def new_i420_buffer(width: int, height: int) -> np.ndarray:
    """One frame's I420 buffer: the layout ``av.VideoFrame.from_numpy_buffer(..., "yuv420p")`` takes."""
    return np.empty((height * 3 // 2, width), dtype=np.uint8)


def i420_planes(buffer: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y, U, V views into an I420 buffer (no copies)."""
    flat = buffer.reshape(-1)
    luma = width * height
    chroma = (width // 2) * (height // 2)
    y = flat[:luma].reshape(height, width)
    u = flat[luma : luma + chroma].reshape(height // 2, width // 2)
    v = flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2)
    return y, u, v


def _plane_matrix(
    to_source: np.ndarray,
    image_size: tuple[int, int],
    plane_shape: tuple[int, int],
    out_step: float,
    out_offset: tuple[float, float],
) -> np.ndarray:
    """Compose output-plane pixel index → source-plane pixel index for ``cv2.warpAffine``/``warpPerspective``.

    Output index i sits at output luma coordinate ``i * out_step + offset``; source continuous coordinate X
    sits at plane index ``X * plane_w / image_w - 0.5`` (pixel centres, as ``cv2.resize`` places them).
    A 2×3 ``to_source`` gives a 2×3 result, a 3×3 one a 3×3 result.
    """
    kx = plane_shape[1] / image_size[0]
    ky = plane_shape[0] / image_size[1]
    full = to_source if to_source.shape == (3, 3) else np.vstack([to_source, [0.0, 0.0, 1.0]])
    out_index = np.array([[out_step, 0.0, out_offset[0]], [0.0, out_step, out_offset[1]], [0.0, 0.0, 1.0]])
    to_plane = np.array([[kx, 0.0, -0.5], [0.0, ky, -0.5], [0.0, 0.0, 1.0]])
    m = to_plane @ full @ out_index
    return m if to_source.shape == (3, 3) else m[:2]


def _warp(
    plane: np.ndarray, m: np.ndarray, size: tuple[int, int], dst: np.ndarray | None = None
) -> np.ndarray:
    if m.shape == (3, 3):
        return cv2.warpPerspective(
            plane, m, size, dst=dst, flags=_WARP_FLAGS, borderMode=cv2.BORDER_REPLICATE
        )
    return cv2.warpAffine(plane, m, size, dst=dst, flags=_WARP_FLAGS, borderMode=cv2.BORDER_REPLICATE)


def _matrices(
    pose: CameraPose, source: SourcePlanes, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    to_source = pose.homography(width, height) if pose.yaw_deg else pose.output_to_source(width, height)
    m_y = _plane_matrix(to_source, source.image_size, source.y.shape, 1.0, (0.5, 0.5))
    m_c = _plane_matrix(to_source, source.image_size, source.u.shape, 2.0, (0.5, 1.0))
    return m_y, m_c


def warp_frame(source: SourcePlanes, pose: CameraPose, buffer: np.ndarray) -> np.ndarray:
    """Draw ``pose`` (its camera and fade only) into ``buffer`` (an I420 buffer of the output size).

    Luma pixel centres are at +0.5; chroma follows H.264's default siting (left, between two rows).
    Edge pixels replicate, so the half-pixel rim at the image border never samples black.
    """
    height = buffer.shape[0] * 2 // 3
    width = buffer.shape[1]
    y, u, v = i420_planes(buffer, width, height)
    m_y, m_c = _matrices(pose, source, width, height)
    size_c = (width // 2, height // 2)
    _warp(source.y, m_y, (width, height), y)
    _warp(source.u, m_c, size_c, u)
    _warp(source.v, m_c, size_c, v)
    if pose.opacity < 1.0:
        _fade(buffer, pose.opacity, width, height)
    return buffer


def draw_frame(
    sources: FrameSources, pose: CameraPose, buffer: np.ndarray, shutter: Sequence[CameraPose] = ()
) -> np.ndarray:
    """Draw ``pose`` with everything it asks for: motion blur over ``shutter`` (the poses the shutter saw,
    for a whip pan), then its layers (cover, blur, dim), then the fade."""
    height = buffer.shape[0] * 2 // 3
    width = buffer.shape[1]
    plain = CameraPose(
        pose.cx, pose.cy, pose.view_width, pose.view_height, pose.angle_deg, pose.zoom, 1.0, pose.yaw_deg
    )
    if pose.blur and len(shutter) > 1:
        _motion_blur(sources.base, shutter, buffer, width, height)
    else:
        warp_frame(sources.base, plain, buffer)
    for layer in pose.layers:
        _apply_layer(sources, plain, layer, buffer, width, height)
    if pose.opacity < 1.0:
        _fade(buffer, pose.opacity, width, height)
    return buffer


def _motion_blur(
    source: SourcePlanes, shutter: Sequence[CameraPose], buffer: np.ndarray, width: int, height: int
) -> None:
    total = np.zeros(buffer.shape, np.float32)
    scratch = new_i420_buffer(width, height)
    for pose in shutter:
        plain = CameraPose(pose.cx, pose.cy, pose.view_width, pose.view_height, pose.angle_deg, pose.zoom)
        warp_frame(source, plain, scratch)
        total += scratch
    np.copyto(buffer, np.clip(total / len(shutter) + 0.5, 0, 255).astype(np.uint8))


def _apply_layer(
    sources: FrameSources, pose: CameraPose, layer: Layer, buffer: np.ndarray, width: int, height: int
) -> None:
    image_size = sources.base.image_size
    mask_y, mask_c = _warped_mask(layer, pose, image_size, width, height)
    y, u, v = i420_planes(buffer, width, height)
    if layer.kind == "dim":
        # The boxes keep their light; the rest darkens towards black (and grey in chroma).
        factor_y = 1.0 - layer.amount * (1.0 - mask_y)
        factor_c = 1.0 - layer.amount * (1.0 - mask_c)
        _blend_towards(y, _BLACK_Y, factor_y)
        _blend_towards(u, _NEUTRAL_C, factor_c)
        _blend_towards(v, _NEUTRAL_C, factor_c)
        return
    other = sources.blurred if layer.kind == "blur" else sources.covered
    if other is None:
        return
    alt = warp_frame(other, pose, new_i420_buffer(width, height))
    ay, au, av_ = i420_planes(alt, width, height)
    if layer.kind == "blur":  # the boxes stay sharp; the rest goes soft by ``amount``
        weight_y, weight_c = layer.amount * (1.0 - mask_y), layer.amount * (1.0 - mask_c)
    else:  # cover: each box is hidden by its weight
        weight_y, weight_c = mask_y, mask_c
    for plane, alt_plane, weight in ((y, ay, weight_y), (u, au, weight_c), (v, av_, weight_c)):
        mixed = plane.astype(np.float32)
        mixed += (alt_plane.astype(np.float32) - mixed) * weight
        np.copyto(plane, np.clip(mixed + 0.5, 0, 255).astype(np.uint8))


def _blend_towards(plane: np.ndarray, level: float, factor: np.ndarray) -> None:
    mixed = level + (plane.astype(np.float32) - level) * factor
    np.copyto(plane, np.clip(mixed + 0.5, 0, 255).astype(np.uint8))


def _warped_mask(
    layer: Layer, pose: CameraPose, image_size: tuple[int, int], width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """The layer's boxes as a soft mask (0..1) in output luma and chroma resolution."""
    mask = box_mask(layer.boxes, image_size)
    to_source = pose.homography(width, height) if pose.yaw_deg else pose.output_to_source(width, height)
    m_y = _plane_matrix(to_source, image_size, mask.shape, 1.0, (0.5, 0.5))
    m_c = _plane_matrix(to_source, image_size, mask.shape, 2.0, (0.5, 1.0))
    return _warp(mask, m_y, (width, height)), _warp(mask, m_c, (width // 2, height // 2))


def box_mask(
    boxes: Sequence[tuple[tuple[float, float, float, float], float]], image_size: tuple[int, int]
) -> np.ndarray:
    """Boxes (image fractions) with weights, drawn anti-aliased and feathered at ``MASK_SCALE`` (max-combined)."""
    mw = max(16, round(image_size[0] * MASK_SCALE))
    mh = max(16, round(image_size[1] * MASK_SCALE))
    mask = np.zeros((mh, mw), np.float32)
    xs, ys = np.arange(mw, dtype=np.float32), np.arange(mh, dtype=np.float32)
    for (bx, by, bw, bh), weight in boxes:
        x0, x1 = bx * mw, (bx + bw) * mw
        y0, y1 = by * mh, (by + bh) * mh
        cover_x = np.clip(np.minimum(x1, xs + 1) - np.maximum(x0, xs), 0, 1)
        cover_y = np.clip(np.minimum(y1, ys + 1) - np.maximum(y0, ys), 0, 1)
        np.maximum(mask, np.outer(cover_y, cover_x) * weight, out=mask)
    return cv2.GaussianBlur(mask, (0, 0), MASK_FEATHER)


def _fade(buffer: np.ndarray, opacity: float, width: int, height: int) -> None:
    y, u, v = i420_planes(buffer, width, height)
    a = max(0.0, opacity)
    cv2.convertScaleAbs(y, dst=y, alpha=a, beta=_BLACK_Y * (1 - a))
    cv2.convertScaleAbs(u, dst=u, alpha=a, beta=_NEUTRAL_C * (1 - a))
    cv2.convertScaleAbs(v, dst=v, alpha=a, beta=_NEUTRAL_C * (1 - a))
