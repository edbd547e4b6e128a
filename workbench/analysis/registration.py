"""Where each frame of a video looks on its starting image: frame-to-image registration.

A frame is registered as a homography from frame pixels to image pixels. The first frame that can be found at all
is located by SIFT features matched to the image (scale and position unknown, so features are needed); every
frame is then refined by ECC (``cv2.findTransformECC``, dense and sub-pixel) against the image, starting from the
previous frame's estimate, on an image pyramid level close to the frame's own scale so the image is never
sampled far below its resolution. ECC lost (its correlation drops, or it fails to converge) → features again.

Works on any model's video, as long as its frames still show the starting image: a camera move over it, or a
neural video whose content changes slowly. Frames that show nothing usable (black, blank) are left unregistered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["ANALYSIS_WIDTH", "Registrar", "Registration", "StartingImage"]

#: Frames are registered at this width (the image at a matching pyramid level).
ANALYSIS_WIDTH = 320
#: Below this correlation an ECC result is not trusted.
MIN_CORRELATION = 0.45
#: Frames with less contrast than this (grey levels, standard deviation) show nothing to register.
MIN_CONTRAST = 4.0
#: Zooms tried when looking for a frame in the image without a previous frame to start from.
TEMPLATE_ZOOMS = tuple(1.08**k for k in range(20))  # 1 … 4.3
#: A first (or recovered) registration must explain at least this share of the frame's edges.
MIN_EXPLAINED = 0.5
#: Template matches handed to ECC to choose between.
TEMPLATE_CANDIDATES = 6
#: Frames between two ECC anchorings against the image (optical flow carries the pose in between).
ECC_EVERY = 4
#: Matched features needed to trust a feature-based estimate.
MIN_INLIERS = 10
_ECC_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 1e-3)


@dataclass(frozen=True)
class Registration:
    """``homography`` maps frame pixels (at the frame's own size) to image pixels; ``quality`` is the ECC
    correlation (0..1) of the final estimate."""

    homography: np.ndarray
    quality: float


class StartingImage:
    """A starting image prepared once for registration (pyramid, SIFT features); share it between videos.

    ``thumbnail_width`` (where whole views are matched as templates) and ``feature_width`` (where SIFT features
    are found) suit frames registered at ``ANALYSIS_WIDTH``; frames registered smaller (the take metrics use
    160 px) need less of both, and each costs time in proportion to its area.
    """

    def __init__(self, image: np.ndarray, *, thumbnail_width: int = 480, feature_width: int = 1280) -> None:
        if image.ndim == 3:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        self.image = image
        self.size = (image.shape[1], image.shape[0])
        self.levels = [image.astype(np.float32)]
        while min(self.levels[-1].shape) > 64:
            self.levels.append(cv2.pyrDown(self.levels[-1]))
        self.sift = cv2.SIFT_create(nfeatures=2000)
        self.feature_width = feature_width
        factor = min(1.0, thumbnail_width / image.shape[1])
        self.thumbnail = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        self.thumbnail_edges = _edges(self.thumbnail)
        self._features: tuple[list[cv2.KeyPoint], np.ndarray] | None = None

    @property
    def features(self) -> tuple[list[cv2.KeyPoint], np.ndarray]:
        if self._features is None:
            factor = min(1.0, self.feature_width / self.image.shape[1])
            scaled = (
                cv2.resize(self.image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
                if factor < 1
                else self.image
            )
            keys, desc = self.sift.detectAndCompute(scaled, None)
            for k in keys:
                k.pt = (k.pt[0] / factor, k.pt[1] / factor)
            self._features = (list(keys), desc if desc is not None else np.zeros((0, 128), np.float32))
        return self._features


class Registrar:
    """Registers the frames of one video, in order, against a starting image (an array or a
    :class:`StartingImage` shared between videos)."""

    def __init__(
        self,
        image: np.ndarray | StartingImage,
        *,
        confident: float | None = None,
        first_view: tuple[float, float, float] | None = None,
    ) -> None:
        """``confident``: when the cheap guesses (the whole view, the last pose, ``first_view``) explain at
        least this share of a lost frame's edges, take them without the feature and template search (a fast mode
        for the take metrics: most videos start on the whole starting image, or where their plan starts;
        ``None`` always searches). ``first_view`` is where the first frame is expected: (cx, cy) as image
        fractions and the zoom relative to crop-to-fill, a guess like the others, checked the same way."""
        self.start = image if isinstance(image, StartingImage) else StartingImage(image)
        self.confident = confident
        self.first_view = first_view
        self.levels = self.start.levels
        self.size = self.start.size
        self._previous: np.ndarray | None = None
        self._previous_frame: np.ndarray | None = None
        self._since_ecc = 0
        self._quality = 0.0
        self._last_good: np.ndarray | None = None

    def register(self, frame: np.ndarray) -> Registration | None:
        """Register one grey frame; frames should come in order (each starts from the one before)."""
        scale = ANALYSIS_WIDTH / frame.shape[1] if frame.shape[1] > ANALYSIS_WIDTH else 1.0
        small = (
            cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else frame
        )
        spread = float(small.std())
        if spread < MIN_CONTRAST:
            self._previous = self._previous_frame = None
            return None
        # Same mean and contrast for every frame, so fades and dimming do not look like motion to the flow.
        normal = (small.astype(np.float32) - float(small.mean())) * (40.0 / spread) + 128.0
        small = np.clip(normal, 0, 255).astype(np.uint8)
        to_small = np.diag([scale, scale, 1.0])
        found = self._track(small) if self._previous is not None else None
        if found is None:
            # Lost, or the first frame: refine every plausible start and keep the one that explains most of the
            # frame's edges (a flat slide correlates with many places a little; only the true place has its edges).
            cheap = [self._full_view(small), self._last_good]
            if self.first_view is not None and self._last_good is None:
                cheap.append(self._view(small, *self.first_view))
            refined = [r for g in cheap if g is not None and (r := self._ecc(small, g)) is not None]
            scored = [(self._edge_match(small, r[0]), r) for r in refined]
            best = max(scored, key=lambda item: item[0], default=None)
            if self.confident is None or best is None or best[0] < self.confident:
                searched = [self._by_features(small), *self._by_template(small)]
                refined = [r for g in searched if g is not None and (r := self._ecc(small, g)) is not None]
                scored += [(self._edge_match(small, r[0]), r) for r in refined]
                best = max(scored, key=lambda item: item[0], default=None)
            found = best[1] if best is not None and best[0] >= MIN_EXPLAINED else None
        self._previous_frame = small
        if found is None:
            self._previous = None
            return None
        homography, quality = found
        self._previous, self._quality, self._last_good = homography, quality, homography
        return Registration(homography @ to_small, quality)

    def _track(self, small: np.ndarray) -> tuple[np.ndarray, float] | None:
        """From the frame before: follow corners by optical flow (large motions, any content), then refine
        against the image by ECC (no drift). ECC is kept only if it agrees with the flow."""
        assert self._previous is not None
        predicted = self._previous
        self._since_ecc += 1
        if self._previous_frame is not None:
            flow = _flow(self._previous_frame, small)
            if flow is not None:
                predicted = self._previous @ flow
                if self._since_ecc < ECC_EVERY:  # the flow alone is exact enough between anchorings
                    return predicted, self._quality
        self._since_ecc = 0
        refined = self._ecc(small, predicted)
        if refined is None:
            return (predicted, 0.0) if predicted is not self._previous else None
        h, w = small.shape
        corners = np.array([(0, 0, 1), (w, 0, 1), (w, h, 1), (0, h, 1)], dtype=np.float64)
        a, b = corners @ predicted.T, corners @ refined[0].T
        gap = np.abs(a[:, :2] / a[:, 2:3] - b[:, :2] / b[:, 2:3]).max()
        spread = math.sqrt(abs(np.linalg.det(predicted[:2, :2])))
        if gap > 3.0 * spread:  # ECC slid into another optimum (flat slides have many): trust the flow
            return predicted, refined[1]
        return refined

    def _by_template(self, small: np.ndarray) -> list[np.ndarray]:
        """Candidate places of the frame in the image by normalised cross-correlation of edges over a range of
        zooms (whole views match where single features repeat; edges, because flat areas match anywhere): the
        best few, for ECC to refine."""
        base = self.start.thumbnail_edges
        factor = base.shape[1] / self.size[0]  # thumbnail px per image px
        h, w = small.shape
        cover = min(self.size[0] / w, self.size[1] / h)  # image px per frame px at zoom 1
        found: list[tuple[float, np.ndarray]] = []
        sums = cv2.integral(base.astype(np.float64) ** 2)
        for zoom in TEMPLATE_ZOOMS:
            scale = cover / zoom * factor  # thumbnail px per frame px
            tw, th = round(w * scale), round(h * scale)
            if tw < 16 or th < 9 or tw > base.shape[1] or th > base.shape[0]:
                continue
            template = _edges(cv2.resize(small, (tw, th), interpolation=cv2.INTER_AREA))
            scores = cv2.matchTemplate(base, template, cv2.TM_CCORR_NORMED)
            # A window with far less edge energy than the frame (a flat area) cannot be where it is.
            energy = sums[th:, tw:] - sums[:-th, tw:] - sums[th:, :-tw] + sums[:-th, :-tw]
            scores[energy[: scores.shape[0], : scores.shape[1]] < 0.25 * float((template**2).sum())] = 0.0
            _, score, _, (x, y) = cv2.minMaxLoc(scores)
            homography = np.array([[cover / zoom, 0, x / factor], [0, cover / zoom, y / factor], [0, 0, 1.0]])
            found.append((score, homography))
        found.sort(key=lambda item: -item[0])
        return [h for score, h in found[:TEMPLATE_CANDIDATES] if score > 0.3]

    def _edge_match(self, small: np.ndarray, homography: np.ndarray) -> float:
        """How much of the frame's edge energy the image explains when seen through ``homography`` (0..1).

        Only the frame's own edges count: an effect may hide part of the image (a region not yet revealed),
        but every edge the frame shows must be in the image, in the same place.
        """
        h, w = small.shape
        seen = cv2.warpPerspective(
            self.start.image, homography, (w, h), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP
        )
        frame_edges, image_edges = _edges(small), _edges(seen)
        frame_edges /= max(float(np.percentile(frame_edges, 99)), 1e-6)
        image_edges /= max(float(np.percentile(image_edges, 99)), 1e-6)
        total = float(frame_edges.sum())
        return float(np.minimum(frame_edges, image_edges).sum()) / total if total > 1e-6 else 0.0

    def _view(self, small: np.ndarray, cx: float, cy: float, zoom: float) -> np.ndarray:
        """The view centred on (cx, cy) (image fractions), ``zoom`` times closer than crop-to-fill."""
        h, w = small.shape
        scale = min(self.size[0] / w, self.size[1] / h) / max(zoom, 1e-3)
        x, y = cx * self.size[0], cy * self.size[1]
        return np.array([[scale, 0, x - scale * w / 2], [0, scale, y - scale * h / 2], [0, 0, 1.0]])

    def _full_view(self, small: np.ndarray) -> np.ndarray:
        """Crop-to-fill of the whole image, centred: where a shot most often starts."""
        h, w = small.shape
        scale = min(self.size[0] / w, self.size[1] / h)
        return np.array(
            [
                [scale, 0, self.size[0] / 2 - scale * w / 2],
                [0, scale, self.size[1] / 2 - scale * h / 2],
                [0, 0, 1.0],
            ]
        )

    # ---- features ----

    def _by_features(self, small: np.ndarray) -> np.ndarray | None:
        image_keys, image_desc = self.start.features
        keys, desc = self.start.sift.detectAndCompute(small, None)
        if desc is None or len(image_keys) < MIN_INLIERS or len(keys) < MIN_INLIERS:
            return None
        matches = cv2.BFMatcher().knnMatch(desc, image_desc, k=2)
        good = [m[0] for m in matches if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
        if len(good) < MIN_INLIERS:
            return None
        src = np.float32([keys[m.queryIdx].pt for m in good])
        dst = np.float32([image_keys[m.trainIdx].pt for m in good])
        similarity, inliers = cv2.estimateAffinePartial2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=6.0
        )
        if similarity is None or inliers is None or int(inliers.sum()) < MIN_INLIERS:
            return None
        return np.vstack([similarity, [0.0, 0.0, 1.0]])

    # ---- ECC ----

    def _ecc(self, small: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, float] | None:
        """Refine ``start`` (small frame px → image px) by ECC on the pyramid level nearest the frame's scale,
        cropped to where the frame lies (ECC's cost grows with the image it searches)."""
        spread = math.sqrt(abs(np.linalg.det(start[:2, :2])))  # image px per frame px
        level = int(min(max(math.floor(math.log2(max(spread, 1e-6))), 0), len(self.levels) - 1))
        factor = 2.0**level
        image = self.levels[level]
        to_level = np.diag([1 / factor, 1 / factor, 1.0]) @ start
        h, w = small.shape
        corners = np.array([(0, 0, 1), (w, 0, 1), (w, h, 1), (0, h, 1)], dtype=np.float64) @ to_level.T
        corners = corners[:, :2] / corners[:, 2:3]
        margin = 0.25 * max(w, h)
        x0 = int(max(0, math.floor(corners[:, 0].min() - margin)))
        y0 = int(max(0, math.floor(corners[:, 1].min() - margin)))
        x1 = int(min(image.shape[1], math.ceil(corners[:, 0].max() + margin)))
        y1 = int(min(image.shape[0], math.ceil(corners[:, 1].max() + margin)))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        shift = np.array([[1.0, 0, -x0], [0, 1.0, -y0], [0, 0, 1.0]])
        warp = (shift @ to_level).astype(np.float32)
        warp /= warp[2, 2]
        try:
            quality, warp = cv2.findTransformECC(
                small.astype(np.float32),
                image[y0:y1, x0:x1],
                warp,
                cv2.MOTION_HOMOGRAPHY,
                _ECC_CRITERIA,
                None,
                5,
            )
        except cv2.error:
            return None
        if not math.isfinite(quality) or quality < MIN_CORRELATION:
            return None
        homography = np.diag([factor, factor, 1.0]) @ np.linalg.inv(shift) @ warp.astype(np.float64)
        return homography / homography[2, 2], float(quality)


def _flow(before: np.ndarray, after: np.ndarray) -> np.ndarray | None:
    """The homography from ``after``'s pixels to ``before``'s, from corners tracked by pyramidal Lucas-Kanade
    (forward-backward checked), or ``None`` when too few corners survive."""
    corners = cv2.goodFeaturesToTrack(before, maxCorners=200, qualityLevel=0.01, minDistance=5)
    if corners is None or len(corners) < MIN_INLIERS:
        return None
    forward, ok1, _ = cv2.calcOpticalFlowPyrLK(before, after, corners, None, winSize=(21, 21), maxLevel=3)
    backward, ok2, _ = cv2.calcOpticalFlowPyrLK(after, before, forward, None, winSize=(21, 21), maxLevel=3)
    good = (
        (ok1.ravel() == 1)
        & (ok2.ravel() == 1)
        & (np.abs(backward - corners).reshape(-1, 2).max(axis=1) < 0.5)
    )
    if int(good.sum()) < MIN_INLIERS:
        return None
    homography, inliers = cv2.findHomography(forward[good], corners[good], cv2.RANSAC, 1.0)
    if homography is None or inliers is None or int(inliers.sum()) < MIN_INLIERS:
        return None
    return homography / homography[2, 2]


def _edges(image: np.ndarray) -> np.ndarray:
    """Gradient magnitude of a lightly smoothed grey image (float32)."""
    smooth = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 1.0)
    return cv2.magnitude(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
