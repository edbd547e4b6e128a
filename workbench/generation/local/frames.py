"""Warping one camera pose of the source planes straight into an I420 frame buffer.

The per-frame work is three ``cv2.warpAffine`` calls (Y at output size, U and V at half size), bilinear at
1/32-pixel precision, written into the buffer the encoder takes without a copy.
"""

from __future__ import annotations

import cv2
import numpy as np

from workbench.generation.local.camera import CameraPose
from workbench.generation.local.source import SourcePlanes

__all__ = ["i420_planes", "new_i420_buffer", "warp_frame"]

_BLACK_Y, _NEUTRAL_C = 16.0, 128.0
_WARP_FLAGS = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP


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
    """Compose output-plane pixel index → source-plane pixel index for ``cv2.warpAffine``.

    Output index i sits at output luma coordinate ``i * out_step + offset``; source continuous coordinate X
    sits at plane index ``X * plane_w / image_w - 0.5`` (pixel centres, as ``cv2.resize`` places them).
    """
    kx = plane_shape[1] / image_size[0]
    ky = plane_shape[0] / image_size[1]
    a = to_source[:, :2] * out_step
    b = to_source[:, :2] @ np.array(out_offset) + to_source[:, 2]
    m = np.empty((2, 3), dtype=np.float64)
    m[0, :2], m[0, 2] = a[0] * kx, b[0] * kx - 0.5
    m[1, :2], m[1, 2] = a[1] * ky, b[1] * ky - 0.5
    return m


def warp_frame(source: SourcePlanes, pose: CameraPose, buffer: np.ndarray) -> np.ndarray:
    """Draw ``pose`` into ``buffer`` (an I420 buffer of the output size) and return it.

    Luma pixel centres are at +0.5; chroma follows H.264's default siting (left, between two rows).
    Edge pixels replicate, so the half-pixel rim at the image border never samples black.
    """
    height = buffer.shape[0] * 2 // 3
    width = buffer.shape[1]
    to_source = pose.output_to_source(width, height)
    y, u, v = i420_planes(buffer, width, height)
    m_y = _plane_matrix(to_source, source.image_size, source.y.shape, 1.0, (0.5, 0.5))
    cv2.warpAffine(source.y, m_y, (width, height), dst=y, flags=_WARP_FLAGS, borderMode=cv2.BORDER_REPLICATE)
    m_c = _plane_matrix(to_source, source.image_size, source.u.shape, 2.0, (0.5, 1.0))
    size_c = (width // 2, height // 2)
    cv2.warpAffine(source.u, m_c, size_c, dst=u, flags=_WARP_FLAGS, borderMode=cv2.BORDER_REPLICATE)
    cv2.warpAffine(source.v, m_c, size_c, dst=v, flags=_WARP_FLAGS, borderMode=cv2.BORDER_REPLICATE)
    if pose.opacity < 1.0:
        a = max(0.0, pose.opacity)
        cv2.convertScaleAbs(y, dst=y, alpha=a, beta=_BLACK_Y * (1 - a))
        cv2.convertScaleAbs(u, dst=u, alpha=a, beta=_NEUTRAL_C * (1 - a))
        cv2.convertScaleAbs(v, dst=v, alpha=a, beta=_NEUTRAL_C * (1 - a))
    return buffer
