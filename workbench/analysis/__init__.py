"""Measurements of videos: pure functions over decoded frames and the starting image (no store, no widgets).

- :func:`measure_camera` registers each frame on the starting image and reads the camera's pose per frame.
- :func:`score_adherence` matches what the directions ask (:func:`expected_from_directions`) with that track,
  move by move, in order: the local model's motion-truth check, and a take metric for any model.
- :func:`~workbench.analysis.take_metrics.measure_take` measures a take's file;
  :class:`~workbench.analysis.live_metrics.LiveMeasurement` measures it while the local model encodes it.
"""

from workbench.analysis.adherence import Adherence, MoveEvidence, score_adherence
from workbench.analysis.camera_track import CameraTrack, TrackPoint, measure_camera
from workbench.analysis.expected import (
    ExpectedMove,
    ExpectedStep,
    expected_from_directions,
    expected_from_plan,
)
from workbench.analysis.registration import Registrar, StartingImage

__all__ = [
    "Adherence",
    "CameraTrack",
    "ExpectedMove",
    "ExpectedStep",
    "MoveEvidence",
    "Registrar",
    "StartingImage",
    "TrackPoint",
    "expected_from_directions",
    "expected_from_plan",
    "measure_camera",
    "score_adherence",
]
