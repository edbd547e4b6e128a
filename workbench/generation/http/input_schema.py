"""A model's input schema: what it accepts, checked before anything is paid for.

Cog ≥ 0.18 silently drops inputs it does not know, and every provider bills a run whose inputs it accepted,
so a misnamed mapping (``durations`` for ``duration``) or a value out of range would run, cost money, and
come back wrong. The schema is read first — a Cog server's ``/openapi.json``, or for hosted models a
documented snapshot kept in this package (``schemas/<provider>/<model>.json``, each naming the page it was
copied from) — and the inputs the workbench would send are checked against it: unknown names, missing
required inputs, wrong types, values outside an enum or a range. The model's other inputs (those no setting
fills) are what the editor shows as the model's extra inputs.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where values are checked: its import costs about 2 s of CPU (a URI grammar)
    import jsonschema

__all__ = [
    "ExtraInput",
    "InputSchema",
    "is_snapshot",
    "load_schema_file",
    "load_snapshot",
    "snapshot_for",
    "snapshots",
]

_SNAPSHOTS = "schemas"
#: ``$ref`` chains deeper than this are not followed (a hostile or broken document).
_MAX_REF_DEPTH = 16


@dataclass(frozen=True)
class ExtraInput:
    """One input of the model that no setting fills: shown in the editor, set through ``inputs.extra``."""

    name: str
    type: str
    default: Any = None
    description: str = ""
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: The value ``models.json`` fixes for it (``inputs.extra``), if any.
    fixed: Any = None
    required: bool = False

    @property
    def summary(self) -> str:
        """``sample_steps (integer, 1–40, default 30)`` — for a one-line listing."""
        facts = [self.type]
        if self.choices:
            facts.append(" | ".join(str(c) for c in self.choices))
        elif self.minimum is not None and self.maximum is not None:
            facts.append(f"{self.minimum:g}–{self.maximum:g}")
        elif self.maximum is not None:
            facts.append(f"at most {self.maximum:g}")
        elif self.minimum is not None:
            facts.append(f"at least {self.minimum:g}")
        if self.default is not None:
            facts.append(f"default {self.default!r}")
        if self.required:
            facts.append("required")
        return f"{self.name} ({', '.join(facts)})"

    @property
    def line(self) -> str:
        """The summary, plus the value models.json sends (what the editor lists)."""
        return self.summary if self.fixed is None else f"{self.summary}: models.json sends {self.fixed!r}"


@dataclass(frozen=True)
class InputSchema:
    """The JSON schema of a model's ``input`` object, with ``$ref``\\ s resolved, and where it came from."""

    schema: Mapping[str, Any]
    source: str

    @classmethod
    def from_openapi(cls, document: Mapping[str, Any], source: str) -> InputSchema:
        """The ``Input`` component of a Cog-style OpenAPI document (``ValueError`` when it has none)."""
        components = document.get("components")
        schemas = components.get("schemas") if isinstance(components, Mapping) else None
        raw = schemas.get("Input") if isinstance(schemas, Mapping) else None
        if not isinstance(raw, Mapping):
            raise ValueError("the OpenAPI document has no Input schema (components.schemas.Input)")
        return cls(_resolve(raw, document, 0), source)

    @property
    def properties(self) -> Mapping[str, Mapping[str, Any]]:
        props = self.schema.get("properties")
        return props if isinstance(props, Mapping) else {}

    @property
    def required(self) -> tuple[str, ...]:
        req = self.schema.get("required")
        return tuple(str(r) for r in req) if isinstance(req, list) else ()

    @property
    def open(self) -> bool:
        """True when the schema accepts inputs it does not list (``additionalProperties`` true)."""
        return self.schema.get("additionalProperties") is True

    def naming_problems(self, inputs: Mapping[str, Any]) -> list[str]:
        """Inputs the model does not have, and required ones nothing fills (a mapping to fix)."""
        out: list[str] = []
        known = self.properties
        if not self.open:
            for name in sorted(set(inputs) - set(known)):
                out.append(f"it has no input {name!r} (its inputs are {', '.join(sorted(known)) or 'none'})")
        for name in self.required:
            if name not in inputs:
                out.append(f"its required input {name!r} is not filled by any setting or extra")
        return out

    def value_problems(self, inputs: Mapping[str, Any]) -> list[str]:
        """Values of known inputs the model refuses (a type, an enum, a range), one sentence each."""
        out: list[str] = []
        known = self.properties
        for name, value in inputs.items():
            prop = known.get(name)
            if not isinstance(prop, Mapping):
                continue
            import jsonschema

            error = jsonschema.exceptions.best_match(_validator(prop).iter_errors(value))
            if error is not None:
                where = ".".join([name, *(str(p) for p in error.absolute_path)])
                out.append(f"its input {where!r} {_words(error)}")
        return out

    def extra_inputs(self, mapped: frozenset[str], fixed: Mapping[str, Any]) -> list[ExtraInput]:
        """The model's inputs that no setting fills, in the schema's order (``x-order`` where given)."""
        settable = [(n, p) for n, p in self.properties.items() if isinstance(p, Mapping)]
        settable.sort(key=lambda item: item[1].get("x-order", 10_000))
        extras = []
        for name, prop in settable:
            if name in mapped and name not in fixed:
                continue
            choices = prop.get("enum")
            extras.append(
                ExtraInput(
                    name=name,
                    type=_type_name(prop),
                    default=prop.get("default"),
                    description=str(prop.get("description") or ""),
                    choices=tuple(choices) if isinstance(choices, list) else (),
                    minimum=_number(prop.get("minimum")),
                    maximum=_number(prop.get("maximum")),
                    fixed=fixed.get(name),
                    required=name in self.required,
                )
            )
        return extras


def _validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema)


def _words(error: jsonschema.ValidationError) -> str:
    keyword, bound = error.validator, error.validator_value
    if keyword == "enum":
        return f"is {error.instance!r}; it takes {', '.join(repr(v) for v in bound)}"
    if keyword in ("minimum", "exclusiveMinimum"):
        return f"is {error.instance!r}, below its minimum {bound!r}"
    if keyword in ("maximum", "exclusiveMaximum"):
        return f"is {error.instance!r}, above its maximum {bound!r}"
    if keyword == "type":
        return f"is {error.instance!r}, not of type {bound}"
    if keyword == "required":
        return error.message
    return error.message


def _type_name(prop: Mapping[str, Any]) -> str:
    if isinstance(prop.get("enum"), list):
        return "choice"
    kind = prop.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "string" and prop.get("format") == "uri":
        return "file or URL"
    return str(kind or "any")


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _resolve(node: Any, document: Mapping[str, Any], depth: int) -> Any:
    """``node`` with local ``$ref``\\ s replaced by what they point at (and single-item ``allOf`` merged)."""
    if depth > _MAX_REF_DEPTH:
        raise ValueError("the OpenAPI document nests $ref too deeply")
    if isinstance(node, list):
        return [_resolve(item, document, depth) for item in node]
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, Mapping) else None
        if not isinstance(target, Mapping):
            raise ValueError(f"the OpenAPI document refers to {ref}, which it does not define")
        merged = {**_resolve(target, document, depth + 1), **{k: v for k, v in node.items() if k != "$ref"}}
        return merged
    out = {key: _resolve(value, document, depth) for key, value in node.items()}
    all_of = out.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], Mapping):
        del out["allOf"]
        out = {**all_of[0], **out}  # Cog wraps enums as {"allOf": [{"$ref": ...}], "default": ...}
    return out


# -- snapshots of documented schemas (hosted models) -------------------------------------------------------


def _snapshot_path(snapshot_id: str) -> Path:
    provider, _, model = snapshot_id.partition("/")
    return (
        Path(str(resources.files(__package__))) / _SNAPSHOTS / provider / f"{model.replace('/', '__')}.json"
    )


def snapshot_for(provider: str, model: str | None) -> str | None:
    """The packaged snapshot id for a provider's model (a pinned ``owner/name:version`` falls back to
    ``owner/name``), or ``None`` when the package has none."""
    if not model:
        return None
    for candidate in (model, model.split(":", 1)[0]):
        snapshot_id = f"{provider}/{candidate}"
        if _snapshot_path(snapshot_id).is_file():
            return snapshot_id
    return None


def is_snapshot(name: str) -> bool:
    """Whether ``name`` is a packaged snapshot id (``provider/model``)."""
    provider, _, model = name.partition("/")
    return bool(model) and snapshot_for(provider, model) == name


def snapshots() -> list[str]:
    """Every packaged snapshot id (``provider/model``)."""
    root = Path(str(resources.files(__package__))) / _SNAPSHOTS
    return sorted(
        f"{path.parent.name}/{path.stem.replace('__', '/')}"
        for path in root.glob("*/*.json")
        if path.is_file()
    )


@functools.cache
def load_snapshot(snapshot_id: str) -> InputSchema:
    """A packaged snapshot: ``{"source": <documentation URL>, "retrieved": …, "input": <JSON schema>}``."""
    data = json.loads(_snapshot_path(snapshot_id).read_text(encoding="utf-8"))
    return InputSchema(data["input"], f"{data['source']} (snapshot retrieved {data['retrieved']})")


def load_schema_file(path: str) -> InputSchema:
    """A schema file named in ``models.json``: a Cog OpenAPI document or a plain JSON schema of the input."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, Mapping) and "components" in data:
        return InputSchema.from_openapi(data, path)
    if isinstance(data, Mapping) and isinstance(data.get("input"), Mapping):
        return InputSchema(data["input"], path)
    if isinstance(data, Mapping):
        return InputSchema(data, path)
    raise ValueError(f"{path} is not a JSON schema")
