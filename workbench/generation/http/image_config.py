"""``models.json`` entries with ``"kind": "image"``: hosted starting-image models (FLUX-class text-to-image and
image-to-image on Replicate and fal).

They share the file (and its one namespace of names) with the video models; the video loader leaves them to
this one. Every error names the file and the key. Tokens are never in the file: ``token_env`` names the
environment variable that holds one. Schema::

    {"name": "flux-schnell", "kind": "image", "label": "FLUX.1 schnell (Replicate)",
     "provider": "replicate",                       # replicate | fal
     "model": "black-forest-labs/flux-schnell",     # Replicate "owner/name[:version]", fal app id
     "token_env": "REPLICATE_API_TOKEN",
     "inputs": {"prompt": "prompt",
                "size": {"name": "aspect_ratio", "format": "{aspect}", "allowed": ["16:9", "1:1"]},
                                                    # or {"name": "image_size", "format": "object"} → {width, height}
                "seed": "seed",
                "reference": {"name": "image", "as": "data_uri"},   # image-to-image models only
                "extra": {"output_format": "png"}},
     "price": {"per_image": 0.003}, "poll_interval_s": 1, "timeout_s": 300, "request_timeout_s": 60}

Provider defaults (documented inputs, cited next to them) fill what an entry leaves out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench.domain.defaults import DEFAULT_IMAGE_MODEL, DEFAULT_VIDEO_MODEL
from workbench.domain.ids import ID_PATTERN
from workbench.domain.models import Resolution
from workbench.errors import InvalidSettingError, ModelConfigError

__all__ = [
    "IMAGE_PROVIDERS",
    "ImageInputs",
    "ImageModelSpec",
    "ReferenceInput",
    "SizeInput",
    "aspect_of",
    "parse_image_models",
]

#: https://replicate.com/black-forest-labs/flux-schnell/api — ``aspect_ratio`` takes these values.
REPLICATE_FLUX_ASPECTS = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21")

#: Per provider: its label, default base URL, how a reference image may be sent, and default inputs.
IMAGE_PROVIDERS: dict[str, dict[str, Any]] = {
    # https://replicate.com/black-forest-labs/flux-schnell/api: prompt, aspect_ratio, num_outputs (1-4), seed,
    # output_format (webp | jpg | png, default webp), megapixels, go_fast, disable_safety_checker
    "replicate": {
        "label": "Replicate",
        "base_url": "https://api.replicate.com/v1",
        "reference_modes": ("data_uri", "upload", "url"),
        "inputs": {
            "prompt": "prompt",
            "size": {"name": "aspect_ratio", "format": "{aspect}", "allowed": list(REPLICATE_FLUX_ASPECTS)},
            "seed": "seed",
            "extra": {"output_format": "png", "num_outputs": 1},
        },
    },
    # https://fal.ai/models/fal-ai/flux/dev/llms.txt: prompt, image_size (an enum or {width, height}), seed,
    # num_images, output_format (jpeg | png); image-to-image endpoints add image_url and strength
    # (https://fal.ai/models/fal-ai/flux/dev/image-to-image/llms.txt). Output: {"images": [{url, width, height,
    # content_type}], "has_nsfw_concepts": [...], "seed": …}.
    "fal": {
        "label": "fal",
        "base_url": "https://queue.fal.run",
        "reference_modes": ("data_uri", "url"),
        "inputs": {
            "prompt": "prompt",
            "size": {"name": "image_size", "format": "object"},
            "seed": "seed",
            "extra": {"output_format": "png", "num_images": 1},
        },
    },
}

_MODEL_KEYS = {
    "name", "kind", "label", "description", "provider", "model", "base_url", "token_env", "inputs",
    "poll_interval_s", "timeout_s", "request_timeout_s", "price",
}  # fmt: skip
_INPUT_KEYS = {"prompt", "size", "seed", "reference", "extra"}
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_INPUT_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_SECRET_KEY = re.compile(r"(?i)(token|secret|password|api[-_]?key|authorization)")


@dataclass(frozen=True)
class SizeInput:
    """Where the size goes: a template over {width} {height} {aspect} (``allowed`` values), or ``object``."""

    name: str
    format: str = "{width}x{height}"
    allowed: tuple[str, ...] | None = None

    def value(self, size: Resolution) -> Any:
        if self.format == "object":
            return {"width": size.width, "height": size.height}
        text = self.format.format(width=size.width, height=size.height, aspect=aspect_of(size))
        if self.allowed is not None and text not in self.allowed:
            raise InvalidSettingError(
                f"The size {size} is {text} for this model, which offers {', '.join(self.allowed)}. Choose a size "
                "with one of those shapes (1920x1080 is 16:9)."
            )
        return text


@dataclass(frozen=True)
class ReferenceInput:
    """Where an image-to-image model takes the current starting image, and how it is sent."""

    name: str
    mode: str = "data_uri"
    base_url: str | None = None


@dataclass(frozen=True)
class ImageInputs:
    prompt: str = "prompt"
    size: SizeInput | None = None
    seed: str | None = None
    reference: ReferenceInput | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageModelSpec:
    name: str
    label: str
    provider: str
    model: str
    base_url: str
    token_env: str
    inputs: ImageInputs
    description: str = ""
    poll_interval_s: float = 1.0
    timeout_s: float = 300.0
    request_timeout_s: float = 60.0
    price_per_image: float | None = None
    source: Path | None = None

    @property
    def supports(self) -> frozenset[str]:
        out = {"prompt"}
        if self.inputs.size is not None:
            out.add("size")
        if self.inputs.seed is not None:
            out.add("seed")
        if self.inputs.reference is not None:
            out.add("reference")
        return frozenset(out)


def aspect_of(size: Resolution) -> str:
    """``1920x1080`` → ``"16:9"`` (the reduced ratio)."""
    g = math.gcd(size.width, size.height)
    return f"{size.width // g}:{size.height // g}"


def parse_image_models(data: object, *, source: Path | None = None) -> list[ImageModelSpec]:
    """The ``"kind": "image"`` entries of a parsed ``models.json`` (the video loader checks the others)."""
    where = str(source) if source is not None else "models.json"
    if not isinstance(data, Mapping) or not isinstance(data.get("models", []), list):
        return []  # the video loader reports a malformed file
    specs: list[ImageModelSpec] = []
    for index, entry in enumerate(data.get("models", [])):
        if isinstance(entry, Mapping) and entry.get("kind") == "image":
            specs.append(_parse(f"{where}: models[{index}]", entry, source))
    return specs


def _fail(key: str, problem: str) -> None:
    raise ModelConfigError(f"{key} {problem}.")


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(key, "must be a non-empty string")
    assert isinstance(value, str)
    return value.strip()


def _number(value: object, key: str, minimum: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < minimum
    ):
        _fail(key, f"must be a number of at least {minimum:g}")
    return float(value)  # type: ignore[arg-type]


def _input_name(value: object, key: str) -> str:
    name = _text(value, key)
    if not _INPUT_NAME.match(name):
        _fail(key, f"{name!r} is not an input name (letters, digits, _ and -, dots to nest)")
    return name


def _known(raw: Mapping[str, Any], key: str, known: set[str]) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        _fail(key, f"has an unknown key {unknown[0]!r}; known keys are {', '.join(sorted(known))}")


def _parse(key: str, raw: Mapping[str, Any], source: Path | None) -> ImageModelSpec:
    _known(raw, key, _MODEL_KEYS)
    name = _text(raw.get("name"), f"{key}.name")
    if not ID_PATTERN.match(name) or name in (DEFAULT_IMAGE_MODEL, DEFAULT_VIDEO_MODEL):
        _fail(
            f"{key}.name",
            f"{name!r} must be 1-64 letters, digits, '-' or '_', and not a built-in model's name",
        )
    key = f"{key} ({name})"
    provider = _text(raw.get("provider"), f"{key}.provider")
    if provider not in IMAGE_PROVIDERS:
        _fail(
            f"{key}.provider", f"is {provider!r}; image models can use {', '.join(sorted(IMAGE_PROVIDERS))}"
        )
    api = IMAGE_PROVIDERS[provider]
    base_url = _text(raw.get("base_url", api["base_url"]), f"{key}.base_url").rstrip("/")
    parts = urlsplit(base_url)
    loopback = (parts.hostname or "") in ("localhost", "::1") or (parts.hostname or "").startswith("127.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        _fail(f"{key}.base_url", f"{base_url!r} must be an http(s) URL")
    if parts.scheme != "https" and not loopback:
        _fail(f"{key}.base_url", "must use https: a token is sent (plain http would expose it)")
    token_env = _text(raw.get("token_env"), f"{key}.token_env")
    if not _ENV_NAME.match(token_env):
        _fail(f"{key}.token_env", f"{token_env!r} must be the name of an environment variable, not a token")
    inputs_raw = raw.get("inputs", {})
    if not isinstance(inputs_raw, Mapping):
        _fail(f"{key}.inputs", "must be a JSON object")
    merged = {**api["inputs"], **inputs_raw}
    inputs = _inputs(f"{key}.inputs", merged, api)
    price = raw.get("price")
    per_image = None
    if price is not None:
        if not isinstance(price, Mapping):
            _fail(f"{key}.price", "must be a JSON object")
        _known(price, f"{key}.price", {"per_image"})
        per_image = _number(price.get("per_image"), f"{key}.price.per_image", 0.0)
    return ImageModelSpec(
        name=name,
        label=_text(raw.get("label", name), f"{key}.label"),
        provider=provider,
        model=_text(raw.get("model"), f"{key}.model"),
        base_url=base_url,
        token_env=token_env,
        inputs=inputs,
        description=str(raw.get("description", "")),
        poll_interval_s=_number(raw.get("poll_interval_s", 1.0), f"{key}.poll_interval_s", 0.001),
        timeout_s=_number(raw.get("timeout_s", 300.0), f"{key}.timeout_s", 1.0),
        request_timeout_s=_number(raw.get("request_timeout_s", 60.0), f"{key}.request_timeout_s", 0.1),
        price_per_image=per_image,
        source=source,
    )


def _inputs(key: str, raw: Mapping[str, Any], api: Mapping[str, Any]) -> ImageInputs:
    _known(raw, key, _INPUT_KEYS)
    prompt = _input_name(raw.get("prompt"), f"{key}.prompt")
    size = None
    if raw.get("size") is not None:
        s = raw["size"]
        if isinstance(s, str):
            s = {"name": s}
        if not isinstance(s, Mapping):
            _fail(f"{key}.size", "must be an input name or an object")
        _known(s, f"{key}.size", {"name", "format", "allowed"})
        fmt = _text(s.get("format", "{width}x{height}"), f"{key}.size.format")
        if fmt != "object":
            try:
                fmt.format(width=1, height=1, aspect="1:1")
            except (KeyError, IndexError, ValueError):
                _fail(
                    f"{key}.size.format",
                    f"{fmt!r} may only use {{width}} {{height}} {{aspect}}, or be 'object'",
                )
        allowed = s.get("allowed")
        if allowed is not None and (
            not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)
        ):
            _fail(f"{key}.size.allowed", 'must be a list of values, e.g. ["16:9", "1:1"]')
        size = SizeInput(
            _input_name(s.get("name"), f"{key}.size.name"), fmt, None if allowed is None else tuple(allowed)
        )
    seed = None if raw.get("seed") is None else _input_name(raw["seed"], f"{key}.seed")
    reference = None
    if raw.get("reference") is not None:
        r = raw["reference"]
        if isinstance(r, str):
            r = {"name": r}
        if not isinstance(r, Mapping):
            _fail(f"{key}.reference", "must be an input name or an object")
        _known(r, f"{key}.reference", {"name", "as", "base_url"})
        mode = r.get("as", api["reference_modes"][0])
        if mode not in api["reference_modes"]:
            _fail(
                f"{key}.reference.as",
                f"is {mode!r}; {api['label']} takes {' or '.join(api['reference_modes'])}",
            )
        base = r.get("base_url")
        if mode == "url" and not isinstance(base, str):
            _fail(
                f"{key}.reference.base_url", 'is required with "as": "url" (the public URL of the store root)'
            )
        reference = ReferenceInput(_input_name(r.get("name"), f"{key}.reference.name"), mode, base)
    extra = raw.get("extra", {})
    if not isinstance(extra, Mapping):
        _fail(f"{key}.extra", "must be a JSON object of fixed inputs")
    for name in extra:
        if _SECRET_KEY.search(str(name)):
            _fail(
                f"{key}.extra.{name}", "looks like a credential; tokens belong in the environment (token_env)"
            )
    return ImageInputs(prompt, size, seed, reference, dict(extra))
