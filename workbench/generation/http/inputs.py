"""Effective settings → a configured model's inputs, and the settings it cannot honour.

:func:`check_settings` runs in ``check()`` (before a job starts): a duration, aspect ratio, frame size, fps
or seed that the model does not offer is an :class:`InvalidSettingError` naming the values it does offer;
nothing is rounded or swapped silently. Settings the model simply ignores (no prompt input, a fixed frame
rate) come back as warnings, which the editor and the batch dry run show.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from workbench.domain.defaults import DEFAULT_SEED
from workbench.domain.models import Resolution, VideoSettings
from workbench.errors import InvalidSettingError
from workbench.generation.http.spec import DurationInput, FpsInput, ModelSpec, ResolutionInput

__all__ = ["build_inputs", "check_settings", "expected_frames", "output_fps"]

_ASPECT_TOLERANCE = 0.01


def check_settings(spec: ModelSpec, settings: VideoSettings) -> tuple[str, ...]:
    """Warnings for ``settings`` on ``spec``; raises :class:`InvalidSettingError` for ones it cannot honour."""
    build_inputs(spec, settings, image="")
    return _warnings(spec, settings)


def output_fps(spec: ModelSpec, settings: VideoSettings) -> int:
    """The frame rate the model will produce, as far as the config says."""
    fps = spec.inputs.fps
    return fps.fixed if fps is not None and fps.fixed is not None else settings.fps


def build_inputs(spec: ModelSpec, settings: VideoSettings, *, image: str) -> dict[str, Any]:
    """The provider's ``input`` object: fixed extras, then each mapped setting at its (dotted) name."""
    mapping = spec.inputs
    if mapping.fps is not None and mapping.fps.name:
        _check_fps(spec, mapping.fps, settings.fps)  # first: the frame count depends on the rate
    values: dict[str, Any] = copy.deepcopy(dict(mapping.extra))
    _put(values, mapping.image.name, image)
    if mapping.prompt:
        _put(values, mapping.prompt, settings.movie_directions)
    if mapping.duration is not None:
        value = _duration_value(spec, mapping.duration, settings)
        if mapping.duration.name:
            _put(values, mapping.duration.name, value)
    for entry in mapping.resolution:
        _put(values, entry.name, _resolution_value(spec, entry, settings.resolution))
    fps = mapping.fps
    if fps is not None and fps.name:
        _put(values, fps.name, settings.fps)
    if mapping.seed is not None:
        if mapping.seed.maximum is not None and settings.seed > mapping.seed.maximum:
            raise InvalidSettingError(
                f"{spec.label} takes seeds from 0 to {mapping.seed.maximum}; {settings.seed} is too large."
            )
        _put(values, mapping.seed.name, settings.seed)
    return values


def expected_frames(spec: ModelSpec, settings: VideoSettings) -> int | None:
    """How many frames the model is asked for, when its duration input counts frames."""
    d = spec.inputs.duration
    if d is None or d.format != "frames":
        return None
    return _frames(spec, d, settings)


def _check_fps(spec: ModelSpec, fps: FpsInput, value: int) -> None:
    if fps.allowed is not None and value not in fps.allowed:
        raise InvalidSettingError(
            f"{spec.label} offers {_listing(fps.allowed)} fps, not {value}. Choose one of those."
        )
    if (fps.minimum is not None and value < fps.minimum) or (fps.maximum is not None and value > fps.maximum):
        low = "…" if fps.minimum is None else str(fps.minimum)
        high = "…" if fps.maximum is None else str(fps.maximum)
        raise InvalidSettingError(
            f"{spec.label} makes {low}–{high} fps video, not {value} fps. Choose a rate in that range."
        )


def _frames(spec: ModelSpec, d: DurationInput, settings: VideoSettings) -> int:
    """Seconds × the model's rate, as a frame count the model accepts, close enough to the asked length."""
    seconds, rate = settings.duration_s, output_fps(spec, settings)
    wanted = seconds * rate
    rule = d.frames
    if rule is None:
        return max(1, round(wanted))
    frames = rule.nearest(wanted)
    if frames is None:
        low, high = rule.bounds()
        span = (
            f"{low / rate:.2f}–{high / rate:.2f} s"
            if low is not None and high is not None
            else (
                f"at least {low / rate:.2f} s" if low is not None else f"at most {(high or 0) / rate:.2f} s"
            )
        )
        counts = f"{low if low is not None else 1}–{high if high is not None else '…'} frames ({rule.form})"
        raise InvalidSettingError(
            f"{spec.label} makes {counts}: at {rate} fps that is {span}, so {seconds:g} s cannot be made. "
            "Choose a duration in that range" + (" or another frame rate." if _fps_is_input(spec) else ".")
        )
    actual = frames / rate
    if abs(actual - seconds) > spec.duration_tolerance_s:
        raise InvalidSettingError(
            f"{spec.label} takes frame counts of the form {rule.form}; the nearest to {seconds:g} s at {rate} fps "
            f"is {frames} frames ({actual:.2f} s), more than {spec.duration_tolerance_s:g} s off. "
            "Choose another duration."
        )
    return frames


def _fps_is_input(spec: ModelSpec) -> bool:
    return spec.inputs.fps is not None and spec.inputs.fps.name is not None


def _warnings(spec: ModelSpec, settings: VideoSettings) -> tuple[str, ...]:
    mapping, out = spec.inputs, []
    if not mapping.prompt:
        out.append(f"{spec.label} takes no movie directions; they are not sent.")
    if mapping.duration is None:
        out.append(f"{spec.label} picks its own length; the take may not be {settings.duration_s:g} s long.")
    if not mapping.resolution:
        out.append(f"{spec.label} picks its own frame size; the take may not be {settings.resolution}.")
    fps = mapping.fps
    if fps is not None and fps.fixed is not None and fps.fixed != settings.fps:
        out.append(
            f"{spec.label} always makes {fps.fixed} fps video; this take will be {fps.fixed} fps, not {settings.fps}."
        )
    if mapping.seed is None and settings.seed != DEFAULT_SEED:
        out.append(f"{spec.label} takes no seed; seed {settings.seed} is not sent, so takes will vary.")
    return tuple(out)


def _duration_value(spec: ModelSpec, d: DurationInput, settings: VideoSettings) -> Any:
    seconds = settings.duration_s
    if d.allowed is not None and not any(math.isclose(seconds, a, abs_tol=1e-6) for a in d.allowed):
        if not d.name:
            raise InvalidSettingError(
                f"{spec.label} always makes {_listing(d.allowed)} s of video, not {seconds:g} s. "
                "Set the duration to that."
            )
        raise InvalidSettingError(
            f"{spec.label} offers durations of {_listing(d.allowed)} s, not {seconds:g} s. Choose one of those."
        )
    if (d.minimum is not None and seconds < d.minimum) or (d.maximum is not None and seconds > d.maximum):
        low = "…" if d.minimum is None else f"{d.minimum:g}"
        high = "…" if d.maximum is None else f"{d.maximum:g}"
        raise InvalidSettingError(f"{spec.label} makes {low}–{high} s of video, not {seconds:g} s.")
    if d.format == "float":
        return float(seconds)
    if d.format == "frames":
        return _frames(spec, d, settings)
    whole = float(seconds).is_integer()
    if d.format == "int":
        if not whole:
            raise InvalidSettingError(
                f"{spec.label} takes whole seconds; {seconds:g} s is not. Try {max(1, round(seconds))} s."
            )
        return int(seconds)
    return d.format.format(seconds=int(seconds) if whole else seconds)


def _resolution_value(spec: ModelSpec, entry: ResolutionInput, res: Resolution) -> Any:
    w, h = res.width, res.height
    g = math.gcd(w, h)
    fields = {"width": w, "height": h, "aspect": f"{w // g}:{h // g}", "short": min(w, h), "long": max(w, h)}
    if entry.format == "{aspect}" and entry.allowed is not None:
        # Aspect ratios match by value (854x480 is 16:9 within 1%), and the model's own spelling is sent.
        for allowed in entry.allowed:
            ratio = _ratio(allowed)
            if ratio is not None and abs(ratio - w / h) <= _ASPECT_TOLERANCE * ratio:
                return allowed
        raise InvalidSettingError(
            f"{spec.label} offers aspect ratios {_listing(entry.allowed)}; {res} is {fields['aspect']}. "
            "Choose a resolution with one of those shapes."
        )
    value = entry.format.format(**fields)
    if entry.allowed is not None and value not in entry.allowed:
        raise InvalidSettingError(
            f"{spec.label} offers {entry.name} {_listing(entry.allowed)}; the resolution {res} would be "
            f"{value}. Choose a resolution that gives one of those."
        )
    if entry.as_int:
        try:
            return int(value)
        except ValueError:
            raise InvalidSettingError(
                f"{spec.label}'s {entry.name} {value!r} is not a whole number."
            ) from None
    return value


def _ratio(text: str) -> float | None:
    left, sep, right = text.replace("x", ":").partition(":")
    try:
        return float(left) / float(right) if sep else None
    except (ValueError, ZeroDivisionError):
        return None


def _listing(values: tuple[Any, ...]) -> str:
    shown = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _put(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        child = target.setdefault(part, {})
        if not isinstance(child, Mapping):
            raise InvalidSettingError(f"The input {dotted!r} cannot nest inside {part!r}, which is a value.")
        target = child  # type: ignore[assignment]
    target[leaf] = value
