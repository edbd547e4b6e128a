"""The embedded default video model (``local-camera``): camera moves over the starting image, on the CPU.

- :func:`describe_directions` parses movie directions into an inspectable :class:`CameraPlan`
  (``plan.summary`` for people, ``plan.warnings`` for words it did not understand).
- :func:`render_video` renders one video; a plain function with picklable arguments.
- :class:`LocalCameraBackend` is the :class:`~workbench.generation.base.VideoBackend` around it.
"""

from workbench.generation.local.backend import LocalCameraBackend
from workbench.generation.local.camera import CameraPath, CameraPose, plan_camera_path
from workbench.generation.local.directions import describe_directions, known_words
from workbench.generation.local.encoder import QUALITIES, EncoderQuality
from workbench.generation.local.plan import CameraPlan, Easing, Focus, Move, MoveKind, Step
from workbench.generation.local.render import RenderReport, render_video

__all__ = [
    "QUALITIES",
    "CameraPath",
    "CameraPlan",
    "CameraPose",
    "Easing",
    "EncoderQuality",
    "Focus",
    "LocalCameraBackend",
    "Move",
    "MoveKind",
    "RenderReport",
    "Step",
    "describe_directions",
    "known_words",
    "plan_camera_path",
    "render_video",
]
