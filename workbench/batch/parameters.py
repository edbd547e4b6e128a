"""The batch notebook's parameters, typed and checked once, whoever sets them (the CLI, papermill's ``-p``).

papermill's ``-p name value`` passes numbers and words as they look, so a list or an object arrives as its JSON
text; :meth:`BatchParameters.from_values` turns such text into the declared type, so
``-p variants '[{"seed": 1}, {"seed": 2}]'`` works as it reads.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from workbench.batch.request import BatchRequest
from workbench.errors import InvalidSettingError, StoreError, UnknownFieldError
from workbench.store import LectureStore

__all__ = ["MAX_CONCURRENCY", "BatchParameters"]

#: More renders at once than this is a typo, not a plan.
MAX_CONCURRENCY = 64


@dataclass(frozen=True)
class BatchParameters:
    """Everything a batch run takes. ``batch_id`` set: report on that finished batch instead of running one."""

    store_path: str | None = None
    demo: bool = False
    lecture_ids: list[str] | None = None
    asset_ids: list[str] | None = None
    query: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    directions_template: str | None = None
    variants: list[dict[str, Any]] = field(default_factory=lambda: [{}])
    policy: str = "review"
    images: bool = False
    #: Renders at once; ``None``: :func:`~workbench.batch.cluster.default_concurrency` for the executor.
    concurrency: int | None = None
    executor_address: str | None = None
    output_dir: str = "batch-output"
    allow_failures: bool = False
    batch_id: str | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> BatchParameters:
        """Parameters from loose values (JSON text for lists and objects is parsed); unknown names refused."""
        hints = typing.get_type_hints(cls)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UnknownFieldError(
                f"Unknown batch parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}. "
                f"Known: {', '.join(sorted(known))}."
            )
        coerced = {name: _coerce(name, value, hints[name]) for name, value in values.items()}
        params = cls(**coerced)
        params.check()
        return params

    @classmethod
    def from_namespace(cls, namespace: Mapping[str, Any]) -> BatchParameters:
        """Parameters from a notebook's globals (the parameters cell's names; anything else is ignored)."""
        return cls.from_values({f.name: namespace[f.name] for f in fields(cls) if f.name in namespace})

    def check(self) -> None:
        """Refuse values that cannot work, in words (nothing is opened or written)."""
        if not self.store_path:
            raise InvalidSettingError(
                "No store given. Pass the lecture store folder (store_path, or --store), e.g. "
                "`workbench batch --store my-store`; `--demo` makes a demo store there if none exists."
            )
        if self.concurrency is not None and not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise InvalidSettingError(
                f"concurrency must be between 1 and {MAX_CONCURRENCY} (renders at once), not {self.concurrency}."
            )
        if not self.variants:
            raise InvalidSettingError('variants is empty: give at least one, e.g. [{}] or [{"seed": 1}].')
        self.request()

    @property
    def renders_at_once(self) -> int:
        """``concurrency``, or the executor's default when none was given."""
        from workbench.batch.cluster import default_concurrency

        return (
            self.concurrency if self.concurrency is not None else default_concurrency(self.executor_address)
        )

    def request(self) -> BatchRequest:
        """The validated :class:`BatchRequest` these parameters describe."""
        return BatchRequest(
            lecture_ids=self.lecture_ids,
            asset_ids=self.asset_ids,
            query=self.query,
            overrides=self.overrides,
            directions_template=self.directions_template,
            variants=self.variants,
            policy=self.policy,
            images=self.images,
        )

    def open_store(self) -> LectureStore:
        """The store; a missing folder becomes the demo store only when ``demo`` is set."""
        from workbench.demo.builder import init_demo_store
        from workbench.store import open_store

        root = Path(str(self.store_path)).expanduser()
        if not root.exists():
            if self.demo:
                return init_demo_store(root).store
            raise StoreError(
                f"There is no store at {root}. Check the path, or create a demo store there with "
                f"`workbench demo init {root}` (or pass --demo / demo=True)."
            )
        return open_store(root)


def _coerce(name: str, value: Any, hint: Any) -> Any:
    """``value`` as the declared type ``hint`` (text holding JSON is parsed for lists, objects and numbers)."""
    optional = _is_optional(hint)
    base = _base(hint)
    if value is None:
        if optional:
            return None
        raise InvalidSettingError(f"{name} cannot be empty.")
    if optional and isinstance(value, str) and value.strip() in ("None", "null"):
        return None  # how papermill's -p and the command line write "not set"
    if isinstance(value, str) and base is not str:
        text = value.strip()
        if optional and not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            if base is list and text and name in ("lecture_ids", "asset_ids"):  # -p lecture_ids lenses-101
                value = [text]
            elif base is bool and text.lower() in ("true", "false", "yes", "no"):
                value = text.lower() in ("true", "yes")
            else:
                raise InvalidSettingError(
                    f"{name} must be {_words(base)}, not {value!r} (lists and objects are written as JSON)."
                ) from None
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if base is list and isinstance(value, tuple):
        value = list(value)
    if base is list and isinstance(value, str):
        value = [value]
    if not isinstance(value, base) or (base is int and isinstance(value, bool)):
        raise InvalidSettingError(f"{name} must be {_words(base)}, not {value!r}.")
    if name == "variants" and not all(isinstance(v, dict) for v in value):
        raise InvalidSettingError('Each variant must be a JSON object, e.g. [{"seed": 1}, {"seed": 2}].')
    if name in ("lecture_ids", "asset_ids") and not all(isinstance(v, str) for v in value):
        raise InvalidSettingError(f"{name} must be a list of ids (text), not {value!r}.")
    return value


def _is_optional(hint: Any) -> bool:
    return isinstance(hint, types.UnionType) and type(None) in typing.get_args(hint)


def _base(hint: Any) -> type:
    if isinstance(hint, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    origin = typing.get_origin(hint)
    return origin if origin is not None else hint


def _words(base: type) -> str:
    return {
        list: 'a list (JSON, e.g. ["a", "b"])',
        dict: 'an object (JSON, e.g. {"seed": 2})',
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        str: "text",
    }.get(base, base.__name__)
