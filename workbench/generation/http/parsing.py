"""``models.json`` → validated :class:`~.spec.ModelSpec` values (the file's schema is below).

The file is validated as a whole when it is read; every error names the file and the key to fix
(``models.json: models[1].inputs.duration.allowed must be a list of numbers``), so a typo fails before any
job starts. Provider defaults (API base URL, where the image and prompt go) are filled in here, from the
provider's class in :mod:`.providers`, so a model entry only says what differs. Tokens are never in the
file: an entry names the environment variable that holds one (``token_env``).

The validator is hand-written rather than a pydantic model: the file is small, its messages must name the
file, the model and the key in words a researcher can act on ("… is 'replicat'; choose one of …"), and
several rules cross fields and depend on the provider (which defaults apply, which image modes it takes),
which pydantic would express as validators that re-word its errors anyway.

Schema (version 1)::

    {"version": 1, "models": [{
        "name": "wan-i2v",                       # what settings.model says; letters, digits, - and _
        "label": "Wan 2.1 (Replicate)",          # what the UI shows (default: name)
        "provider": "replicate",                 # replicate | fal | runway | luma | cog
        "model": "wavespeedai/wan-2.1-i2v-480p", # provider's model id ("owner/name" or "owner/name:version"
                                                 # on Replicate, the app id on fal, the model on Runway/Luma)
        "base_url": "https://api.replicate.com/v1",   # default per provider; required for cog
        "token_env": "REPLICATE_API_TOKEN",      # required for hosted providers, optional for cog
        "inputs": {
            "image": {"name": "image", "as": "data_uri"},   # or "url" (+ "base_url") or "upload"
            "prompt": "prompt",                             # where the movie directions go (null: nowhere)
            "duration": {"name": "num_frames", "format": "frames",   # float | int | frames | "{seconds}s"
                         "frames": {"form": "4k+1", "min": 81, "max": 100}},   # or "allowed", "min", "max"
            "resolution": [{"name": "aspect_ratio", "format": "{aspect}", "allowed": ["16:9", "9:16"]}],
            "fps": {"name": "frames_per_second", "min": 5, "max": 24},   # or "allowed", or {"fixed": 16}
            "seed": "seed",
            "extra": {"sample_steps": 30}                   # fixed inputs sent as they are
        },
        "schema": "replicate/wavespeedai/wan-2.1-i2v-480p", # the model's input schema (see below)
        "mode": "auto",                          # cog only: "auto" (events when the server streams) or "sync"
        "slots": 1,                              # cog only: predictions the server runs at once
        "poll_interval_s": 2, "timeout_s": 900, "request_timeout_s": 60, "duration_tolerance_s": 0.5,
        "price": {"per_video_second": 0.09, "billed_fps": 16}   # or per_run / per_predict_second
    }]}

``schema``: Cog servers default to ``"server"`` (read ``/openapi.json`` before the first job); hosted models
default to the snapshot kept in the package for that provider and model, when there is one
(:mod:`.input_schema`). A path (relative to the ``models.json``) names a JSON file; ``null`` turns the check off.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench.domain.defaults import DEFAULT_VIDEO_MODEL
from workbench.domain.ids import ID_PATTERN
from workbench.errors import ModelConfigError
from workbench.generation.http.input_schema import is_snapshot, snapshot_for
from workbench.generation.http.providers import PROVIDERS, ProviderAPI
from workbench.generation.http.spec import (
    CONFIG_NAME,
    DEFAULT_DURATION_TOLERANCE_S,
    DEFAULT_REQUEST_TIMEOUT_S,
    DEFAULT_TIMEOUT_S,
    DurationInput,
    FpsInput,
    FramesRule,
    ImageInput,
    InputMapping,
    ModelSpec,
    Price,
    ResolutionInput,
    SeedInput,
)

__all__ = ["load_model_config", "merge_specs", "parse_model_config", "user_config_path"]

IMAGE_MODES: tuple[str, ...] = ("data_uri", "url", "upload")
DURATION_FORMATS = ("float", "int", "frames")
RESOLUTION_FIELDS = ("width", "height", "aspect", "short", "long")
COG_MODES = ("auto", "stream", "sync")


# -- reading -----------------------------------------------------------------------------------------------


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/workbench/models.json``, else ``~/.config/workbench/models.json``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "workbench" / CONFIG_NAME


def load_model_config(path: str | os.PathLike[str]) -> list[ModelSpec]:
    """Read and validate one ``models.json``. Raises :class:`ModelConfigError` naming the file and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelConfigError(f"{path}: the model config file does not exist.") from None
    except OSError as exc:
        raise ModelConfigError(f"{path}: the model config file cannot be read ({exc.strerror}).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelConfigError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})."
        ) from None
    return parse_model_config(data, source=path)


def parse_model_config(data: object, *, source: Path | None = None) -> list[ModelSpec]:
    """Validate an already-parsed config document (see the module docstring for the schema)."""
    where = str(source) if source is not None else CONFIG_NAME
    ctx = _Context(where)
    doc = ctx.mapping(data, "", {"version", "models"})
    version = doc.get("version", 1)
    if version != 1:
        ctx.fail("version", f"is {version!r}; this workbench reads version 1")
    models = doc.get("models", [])
    if not isinstance(models, list):
        ctx.fail("models", "must be a list of model entries")
    specs: list[ModelSpec] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(models):
        spec = _parse_model(ctx, f"models[{i}]", entry, source)
        if spec.name in seen:
            ctx.fail(f"models[{i}].name", f"{spec.name!r} is already used by models[{seen[spec.name]}]")
        seen[spec.name] = i
        specs.append(spec)
    return specs


def merge_specs(*layers: Sequence[ModelSpec]) -> list[ModelSpec]:
    """Later layers win by name (the store's file over the user's), keeping first-seen order."""
    merged: dict[str, ModelSpec] = {}
    for layer in layers:
        for spec in layer:
            merged[spec.name] = spec
    return list(merged.values())


# -- validation --------------------------------------------------------------------------------------------

_MODEL_KEYS = {
    "name", "label", "description", "provider", "model", "base_url", "token_env", "inputs", "mode",
    "poll_interval_s", "timeout_s", "request_timeout_s", "duration_tolerance_s", "price", "options",
    "schema", "slots",
}  # fmt: skip
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INPUT_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_FORM = re.compile(r"^\s*(\d+)\s*k\s*(?:\+\s*(\d+))?\s*$")


class _Context:
    """Builds error messages that name the file and the key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, problem: str) -> None:
        at = f"{self.where}: {key}" if key else self.where
        raise ModelConfigError(f"{at} {problem}.")

    def mapping(self, value: object, key: str, known: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(key or "the top level", "must be a JSON object")
        assert isinstance(value, Mapping)
        unknown = sorted(set(value) - known)
        if unknown:
            self.fail(
                key or "the top level",
                f"has an unknown key {unknown[0]!r}; known keys are {', '.join(sorted(known))}",
            )
        return value

    def string(self, value: object, key: str, *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
        assert isinstance(value, str)
        return value.strip()

    def number(self, value: object, key: str, *, minimum: float = 0.0) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(key, "must be a number")
        assert isinstance(value, int | float)
        if value < minimum:
            self.fail(key, f"must be at least {minimum:g}")
        return float(value)

    def whole(self, value: object, key: str, *, minimum: int = 0) -> int:
        number = self.number(value, key, minimum=minimum)
        if not number.is_integer():
            self.fail(key, "must be a whole number")
        return int(number)

    def optional_whole(self, raw: Mapping[str, Any], name: str, key: str, *, minimum: int = 0) -> int | None:
        return None if raw.get(name) is None else self.whole(raw[name], f"{key}.{name}", minimum=minimum)

    def input_name(self, value: object, key: str) -> str:
        name = self.string(value, key)
        assert name is not None
        if not _INPUT_NAME.match(name):
            self.fail(key, f"{name!r} is not an input name (letters, digits, _ and -, dots to nest)")
        return name


def _parse_model(ctx: _Context, key: str, entry: object, source: Path | None) -> ModelSpec:
    raw = ctx.mapping(entry, key, _MODEL_KEYS)
    name = ctx.string(raw.get("name"), f"{key}.name")
    assert name is not None
    if not ID_PATTERN.match(name):
        ctx.fail(f"{key}.name", f"{name!r} must be 1-64 letters, digits, '-' or '_'")
    if name == DEFAULT_VIDEO_MODEL:
        ctx.fail(f"{key}.name", f"{name!r} is the built-in local model; choose another name")
    key = f"{key} ({name})"
    provider = ctx.string(raw.get("provider"), f"{key}.provider")
    if provider not in PROVIDERS:
        ctx.fail(f"{key}.provider", f"is {provider!r}; choose one of {', '.join(sorted(PROVIDERS))}")
    assert provider is not None
    api = PROVIDERS[provider]

    model = ctx.string(raw.get("model"), f"{key}.model", optional=True)
    if api.needs_model and model is None:
        ctx.fail(f"{key}.model", f"is required for {api.label} (the provider's model id)")
    base_url = ctx.string(raw.get("base_url", api.default_base_url), f"{key}.base_url", optional=True)
    if base_url is None:
        ctx.fail(f"{key}.base_url", f"is required for {api.label} (e.g. http://gpu-box:5000)")
    assert base_url is not None
    base_url = base_url.rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        ctx.fail(f"{key}.base_url", f"{base_url!r} must be an http(s) URL")
    token_env = ctx.string(raw.get("token_env"), f"{key}.token_env", optional=True)
    if token_env is not None and (not _ENV_NAME.match(token_env) or _looks_like_token(token_env)):
        ctx.fail(
            f"{key}.token_env", f"{token_env!r} must be the name of an environment variable, not a token"
        )
    if api.needs_token and token_env is None:
        ctx.fail(
            f"{key}.token_env", f"is required: name the environment variable holding your {api.label} token"
        )
    if token_env is not None and parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
        ctx.fail(f"{key}.base_url", "must use https when a token is sent (plain http would expose it)")

    is_cog = api.name == "cog"
    mode = raw.get("mode")
    if mode is not None and not is_cog:
        ctx.fail(f"{key}.mode", f"is only for Cog servers; {api.label} jobs are always polled")
    if is_cog:
        mode = "auto" if mode in (None, "stream") else mode
        if mode not in COG_MODES:
            ctx.fail(f"{key}.mode", f"is {mode!r}; use 'auto' or 'sync'")
    slots = ctx.optional_whole(raw, "slots", key, minimum=1)
    if slots is not None and not is_cog:
        ctx.fail(f"{key}.slots", f"is only for Cog servers; {api.label} runs its own queue")

    inputs_raw = raw.get("inputs", {})
    if not isinstance(inputs_raw, Mapping):
        ctx.fail(f"{key}.inputs", "must be a JSON object")
    inputs = _parse_inputs(ctx, f"{key}.inputs", _with_defaults(api.default_inputs, inputs_raw), api)
    options = raw.get("options", {})
    if not isinstance(options, Mapping):
        ctx.fail(f"{key}.options", "must be a JSON object")
    for problem in api.check_options(options):
        ctx.fail(f"{key}.options", problem)

    poll = ctx.number(
        raw.get("poll_interval_s", api.default_poll_interval_s), f"{key}.poll_interval_s", minimum=0.001
    )
    if poll < api.min_poll_interval_s:
        ctx.fail(
            f"{key}.poll_interval_s",
            f"is {poll:g}; {api.label} asks clients to poll no more often than every {api.min_poll_interval_s:g} s",
        )
    return ModelSpec(
        name=name,
        label=ctx.string(raw.get("label", name), f"{key}.label") or name,
        description=str(raw.get("description", "")),
        provider=provider,
        model=model,
        base_url=base_url,
        token_env=token_env,
        inputs=inputs,
        mode=mode,
        poll_interval_s=poll,
        timeout_s=ctx.number(raw.get("timeout_s", DEFAULT_TIMEOUT_S), f"{key}.timeout_s", minimum=1.0),
        request_timeout_s=ctx.number(raw.get("request_timeout_s", DEFAULT_REQUEST_TIMEOUT_S), f"{key}.request_timeout_s", minimum=0.1),
        duration_tolerance_s=ctx.number(raw.get("duration_tolerance_s", DEFAULT_DURATION_TOLERANCE_S), f"{key}.duration_tolerance_s"),
        price=_parse_price(ctx, f"{key}.price", raw.get("price")),
        schema=_parse_schema(ctx, f"{key}.schema", raw, api, model, source),
        slots=slots,
        options=dict(options),
        source=source,
    )  # fmt: skip


def _parse_schema(
    ctx: _Context,
    key: str,
    raw: Mapping[str, Any],
    api: type[ProviderAPI],
    model: str | None,
    source: Path | None,
) -> str | None:
    """``"server"`` for Cog, a packaged snapshot id, a file path (made absolute), or ``None``."""
    if "schema" not in raw:
        if api.name == "cog":
            return "server"
        return snapshot_for(api.name, model)
    value = raw["schema"]
    if value is None:
        return None
    text = ctx.string(value, key)
    assert text is not None
    if text == "server":
        if api.name != "cog":
            ctx.fail(key, f"is 'server', which only Cog servers publish; {api.label} documents its inputs")
        return text
    if is_snapshot(text):
        return text
    path = Path(text).expanduser()
    if not path.is_absolute() and source is not None:
        path = source.parent / path
    if not path.is_file():
        ctx.fail(key, f"{text!r} is neither a packaged schema snapshot nor a JSON file that exists")
    return str(path)


def _with_defaults(defaults: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The provider's input defaults with the entry's on top; objects merge one level deep."""
    merged = dict(defaults)
    for name, value in given.items():
        if name == "image" and isinstance(value, str):
            value = {"name": value}
        default = merged.get(name)
        if isinstance(default, str) and isinstance(value, Mapping) and name in ("image", "duration"):
            default = {"name": default}
        if isinstance(default, Mapping) and isinstance(value, Mapping):
            value = {**default, **value}
        merged[name] = value
    return merged


def _looks_like_token(value: str) -> bool:
    """Environment variable names are short and upper case; a long mixed-case value with digits is a token."""
    return len(value) >= 16 and any(c.islower() for c in value) and any(c.isdigit() for c in value)


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


_INPUT_KEYS = {"image", "prompt", "duration", "resolution", "fps", "seed", "extra"}


def _parse_inputs(ctx: _Context, key: str, raw: Mapping[str, Any], api: type[ProviderAPI]) -> InputMapping:
    ctx.mapping(raw, key, _INPUT_KEYS)
    image_raw = raw.get("image")
    if isinstance(image_raw, str):
        image_raw = {"name": image_raw}
    image_map = ctx.mapping(image_raw, f"{key}.image", {"name", "as", "base_url"})
    mode = image_map.get("as", api.image_modes[0])
    if mode not in IMAGE_MODES:
        ctx.fail(f"{key}.image.as", f"is {mode!r}; use one of {', '.join(IMAGE_MODES)}")
    if mode not in api.image_modes:
        ctx.fail(
            f"{key}.image.as",
            f"is {mode!r}, which {api.label} does not take; use {' or '.join(api.image_modes)}",
        )
    image_base = ctx.string(image_map.get("base_url"), f"{key}.image.base_url", optional=True)
    if mode == "url" and image_base is None:
        ctx.fail(f"{key}.image.base_url", 'is required with "as": "url" (the public URL of the store root)')
    image = ImageInput(ctx.input_name(image_map.get("name"), f"{key}.image.name"), mode, image_base)

    prompt = raw.get("prompt")
    if isinstance(prompt, Mapping):
        prompt = ctx.mapping(prompt, f"{key}.prompt", {"name"}).get("name")
    prompt_name = None if prompt is None else ctx.input_name(prompt, f"{key}.prompt")

    duration = (
        None if raw.get("duration") is None else _parse_duration(ctx, f"{key}.duration", raw["duration"])
    )

    res_raw = raw.get("resolution") or []
    if isinstance(res_raw, Mapping):
        res_raw = [res_raw]
    if not isinstance(res_raw, list):
        ctx.fail(f"{key}.resolution", "must be an object or a list of objects")
    resolution = []
    for j, r in enumerate(res_raw):
        rk = f"{key}.resolution[{j}]"
        r = ctx.mapping(r, rk, {"name", "format", "allowed", "type"})
        fmt = ctx.string(r.get("format", "{width}x{height}"), f"{rk}.format")
        assert fmt is not None
        try:
            fmt.format(**dict.fromkeys(RESOLUTION_FIELDS, 1))
        except (KeyError, IndexError, ValueError):
            ctx.fail(
                f"{rk}.format", f"{fmt!r} may only use {{width}} {{height}} {{aspect}} {{short}} {{long}}"
            )
        allowed = r.get("allowed")
        if allowed is not None and (
            not isinstance(allowed, list) or not allowed or not all(isinstance(a, str | int) for a in allowed)
        ):
            ctx.fail(f"{rk}.allowed", 'must be a non-empty list of values, e.g. ["16:9", "9:16"]')
        kind = r.get("type", "string")
        if kind not in ("string", "int"):
            ctx.fail(f"{rk}.type", "must be 'string' or 'int'")
        resolution.append(
            ResolutionInput(
                ctx.input_name(r.get("name"), f"{rk}.name"), fmt,
                None if allowed is None else tuple(str(a) for a in allowed), kind == "int",
            )
        )  # fmt: skip

    fps = None if raw.get("fps") is None else _parse_fps(ctx, f"{key}.fps", raw["fps"])

    seed = None
    if raw.get("seed") is not None:
        s = raw["seed"]
        if isinstance(s, str):
            s = {"name": s}
        s = ctx.mapping(s, f"{key}.seed", {"name", "max"})
        seed = SeedInput(
            ctx.input_name(s.get("name"), f"{key}.seed.name"), ctx.optional_whole(s, "max", f"{key}.seed")
        )

    extra = raw.get("extra", {})
    if not isinstance(extra, Mapping):
        ctx.fail(f"{key}.extra", "must be a JSON object of fixed inputs")
    for secret_key in _secret_like_keys(extra):
        ctx.fail(
            f"{key}.extra.{secret_key}",
            "looks like a credential; tokens belong in the environment (token_env)",
        )
    mapping = InputMapping(image, prompt_name, duration, tuple(resolution), fps, seed, dict(extra))
    if duration is not None and duration.format == "frames" and fps is None:
        ctx.fail(
            f"{key}.fps",
            'is needed with "format": "frames": say the model\'s rate ({"fixed": 16}) or the input it takes',
        )
    return mapping


def _parse_duration(ctx: _Context, key: str, d: object) -> DurationInput:
    if isinstance(d, str):
        d = {"name": d}
    d = ctx.mapping(d, key, {"name", "format", "allowed", "min", "max", "fixed", "frames"})
    fmt = d.get("format", "float")
    if not isinstance(fmt, str) or (fmt not in DURATION_FORMATS and "{seconds}" not in fmt):
        ctx.fail(f"{key}.format", f"is {fmt!r}; use float, int, frames or a template with {{seconds}}")
    allowed = _numbers(ctx, f"{key}.allowed", d.get("allowed"))
    if d.get("fixed") is not None:
        if allowed is not None or d.get("name") is not None:
            ctx.fail(f"{key}.fixed", "cannot be combined with name or allowed")
        allowed = (ctx.number(d["fixed"], f"{key}.fixed", minimum=0.001),)
    frames = None
    if d.get("frames") is not None:
        if fmt != "frames":
            ctx.fail(f"{key}.frames", 'only applies with "format": "frames"')
        frames = _parse_frames(ctx, f"{key}.frames", d["frames"])
    name = None if d.get("name") is None else ctx.input_name(d["name"], f"{key}.name")
    return DurationInput(
        name, fmt, allowed,
        None if d.get("min") is None else ctx.number(d["min"], f"{key}.min"),
        None if d.get("max") is None else ctx.number(d["max"], f"{key}.max"),
        frames,
    )  # fmt: skip


def _parse_frames(ctx: _Context, key: str, value: object) -> FramesRule:
    f = ctx.mapping(value, key, {"form", "min", "max"})
    multiple, offset = 1, 0
    if f.get("form") is not None:
        match = _FORM.match(str(f["form"]))
        if not isinstance(f["form"], str) or match is None or int(match.group(1)) < 1:
            ctx.fail(f"{key}.form", f'is {f["form"]!r}; write it like "4k+1" (Wan) or "8k+1" (LTX-Video)')
        assert match is not None
        multiple, offset = int(match.group(1)), int(match.group(2) or 0)
    rule = FramesRule(
        multiple,
        offset,
        ctx.optional_whole(f, "min", key, minimum=1),
        ctx.optional_whole(f, "max", key, minimum=1),
    )
    low, high = rule.bounds()
    if low is not None and high is not None and low > high:
        ctx.fail(
            key, f"allows no frame count: none of the form {rule.form} lies in {rule.minimum}–{rule.maximum}"
        )
    return rule


def _parse_fps(ctx: _Context, key: str, f: object) -> FpsInput:
    if isinstance(f, str):
        f = {"name": f}
    f = ctx.mapping(f, key, {"name", "allowed", "fixed", "min", "max"})
    fixed = f.get("fixed")
    if fixed is not None and (isinstance(fixed, bool) or not isinstance(fixed, int) or fixed < 1):
        ctx.fail(f"{key}.fixed", "must be a whole number of frames per second")
    if fixed is not None and any(f.get(k) is not None for k in ("name", "allowed", "min", "max")):
        ctx.fail(
            key, "takes either fixed (the model's only rate) or an input (name, allowed, min, max), not both"
        )
    allowed = _numbers(ctx, f"{key}.allowed", f.get("allowed"))
    return FpsInput(
        None if f.get("name") is None else ctx.input_name(f["name"], f"{key}.name"),
        None if allowed is None else tuple(int(a) for a in allowed),
        fixed,
        ctx.optional_whole(f, "min", key, minimum=1),
        ctx.optional_whole(f, "max", key, minimum=1),
    )


_SECRET_KEY = re.compile(r"(?i)(token|secret|password|api[-_]?key|authorization)")


def _secret_like_keys(value: object, prefix: str = "") -> list[str]:
    """Dotted keys under ``value`` whose names suggest a credential (never allowed in a config file)."""
    found: list[str] = []
    if isinstance(value, Mapping):
        for name, item in value.items():
            dotted = f"{prefix}{name}"
            if _SECRET_KEY.search(str(name)):
                found.append(dotted)
            found.extend(_secret_like_keys(item, f"{dotted}."))
    return found


def _numbers(ctx: _Context, key: str, value: object) -> tuple[float, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        ctx.fail(key, "must be a non-empty list of numbers, e.g. [5, 10]")
    assert isinstance(value, list)
    return tuple(ctx.number(v, f"{key}[{i}]") for i, v in enumerate(value))


def _parse_price(ctx: _Context, key: str, value: object) -> Price | None:
    if value is None:
        return None
    raw = ctx.mapping(value, key, {"per_run", "per_video_second", "per_predict_second", "billed_fps"})
    if not set(raw) - {"billed_fps"}:
        ctx.fail(key, "needs one of per_run, per_video_second, per_predict_second")
    values = {k: ctx.number(v, f"{key}.{k}") for k, v in raw.items()}
    if "billed_fps" in values and "per_video_second" not in values:
        ctx.fail(f"{key}.billed_fps", "only applies with per_video_second")
    return Price(**values)
