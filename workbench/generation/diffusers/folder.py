"""Is a weights folder complete? Checked before any job starts, without torch, in milliseconds.

A folder that ``save_pretrained`` or ``huggingface-cli download`` wrote has a ``model_index.json`` and one
subfolder per component. Checked here, each failure naming the file to fetch again:

- every component the pipeline needs is listed and present (``vae/config.json``, ``scheduler/…``);
- every weights file is there: a single ``*.safetensors`` or ``*.bin``, or every shard a
  ``*.index.json`` lists (a download that stopped part-way leaves some out);
- every ``.safetensors`` file is as long as its own header says (a truncated download is caught without
  reading gigabytes: the header is a few kilobytes at the start);
- the tokenizer has a vocabulary file.

The result is cached per folder until a file in it changes (sizes and times), so the editor can ask on every
keystroke.
"""

from __future__ import annotations

import json
import os
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import ModelFolderError
from workbench.generation.diffusers.families import FAMILIES, PipelineFamily, Rules, family_for_index

__all__ = ["FolderFacts", "inspect_folder"]

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
_TOKENIZER_FILES = ("tokenizer.json", "spiece.model", "vocab.json", "vocab.txt", "tokenizer.model")
#: The safetensors format: an 8-byte little-endian header length, then a JSON header of tensor offsets.
_SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024


@dataclass(frozen=True)
class FolderFacts:
    """What a complete folder says about the model in it."""

    path: Path
    family: PipelineFamily
    index_class: str
    components: tuple[str, ...]
    rules: Rules
    size_bytes: int

    @property
    def pipeline(self) -> str:
        return self.family.pipeline


_cache: dict[tuple[str, str | None], tuple[tuple[Any, ...], FolderFacts]] = {}
_cache_lock = threading.Lock()


def inspect_folder(
    path: str | os.PathLike[str], pipeline: str | None = None, *, model: str = ""
) -> FolderFacts:
    """The folder's facts, or :class:`ModelFolderError` naming what is missing and what to do.

    ``pipeline``: the class the entry asks for (``None``: from ``model_index.json``). ``model`` names the
    model in messages.
    """
    folder = Path(path).expanduser()
    who = f"The model {model!r}" if model else "The model"
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ModelFolderError(
            f"{who} loads its weights from {folder}, which {what}. Download the weights there (see the README: "
            '"Open models on your own GPU"), or fix "path" in models.json.'
        )
    stamp = _stamp(folder)
    key = (str(folder.resolve()), pipeline)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    facts = _inspect(folder, pipeline, who)
    with _cache_lock:
        _cache[key] = (stamp, facts)
    return facts


def _stamp(folder: Path) -> tuple[Any, ...]:
    """Sizes and times of everything two levels down: what changes when a download adds or finishes a file."""
    entries = []
    with os.scandir(folder) as top:
        for entry in top:
            stat = entry.stat()
            entries.append((entry.name, stat.st_size, stat.st_mtime_ns))
            if entry.is_dir():
                with os.scandir(entry.path) as inner:
                    for child in inner:
                        s = child.stat()
                        entries.append((f"{entry.name}/{child.name}", s.st_size, s.st_mtime_ns))
    return tuple(sorted(entries))


def _inspect(folder: Path, pipeline: str | None, who: str) -> FolderFacts:
    index = _read_json(folder / "model_index.json", folder, who, what="model_index.json")
    index_class = str(index.get("_class_name", ""))
    family = _family(index_class, pipeline, folder, who)
    listed = {
        name: value
        for name, value in index.items()
        if not name.startswith("_") and isinstance(value, list) and len(value) == 2 and value[0] is not None
    }
    missing = [name for name in family.required if name not in listed]
    if family.one_of and not any(name in listed for name in family.one_of):
        missing.append(" or ".join(family.one_of))
    if missing:
        raise ModelFolderError(
            f"{who}'s folder {folder} has no {', '.join(missing)} in its model_index.json, which "
            f"{family.pipeline} needs. Is this the right folder for a {family.label} model?"
        )
    problems: list[str] = []
    configs: dict[str, Mapping[str, Any]] = {}
    size = 0
    for name, (_library, class_name) in sorted(listed.items()):
        sub = folder / name
        if not sub.is_dir():
            problems.append(f"{name}/ (the whole {class_name} component)")
            continue
        kind = _kind(str(class_name), sub)
        if kind == "tokenizer":
            if not any((sub / f).is_file() for f in _TOKENIZER_FILES):
                problems.append(f"{name}/tokenizer.json (or spiece.model: the tokenizer's vocabulary)")
        elif kind == "scheduler":
            if not (sub / "scheduler_config.json").is_file():
                problems.append(f"{name}/scheduler_config.json")
        elif kind == "processor":
            if not any(sub.glob("*.json")):
                problems.append(f"{name}/preprocessor_config.json")
        else:
            config_path = sub / "config.json"
            if not config_path.is_file():
                problems.append(f"{name}/config.json")
            else:
                configs[name] = _read_json(config_path, folder, who, what=f"{name}/config.json")
            found, weight_bytes = _weights(sub, name)
            problems.extend(found)
            size += weight_bytes
    if problems:
        listing = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        raise ModelFolderError(
            f"{who}'s weights folder {folder} is incomplete. Missing or damaged: {listing}. Download those files "
            "again (a download that stopped part-way leaves such gaps), then try again."
        )
    return FolderFacts(folder, family, index_class, tuple(sorted(listed)), family.rules(configs), size)


def _family(index_class: str, pipeline: str | None, folder: Path, who: str) -> PipelineFamily:
    known = ", ".join(FAMILIES)
    if pipeline is not None:
        family = FAMILIES.get(pipeline)
        if family is None:
            raise ModelFolderError(f"{who} asks for the pipeline {pipeline!r}; this workbench runs {known}.")
        if index_class and index_class not in family.loads:
            raise ModelFolderError(
                f"{who}'s folder {folder} holds a {index_class} model (model_index.json), which "
                f'{pipeline} cannot load. Point "path" at a {family.label} model, or change "pipeline".'
            )
        return family
    family = family_for_index(index_class)
    if family is None:
        raise ModelFolderError(
            f"{who}'s folder {folder} holds a {index_class or 'model of no known class'} pipeline "
            f'(model_index.json); this workbench runs {known}. Set "pipeline" to one of those if it fits.'
        )
    return family


def _kind(class_name: str, sub: Path) -> str:
    if "Tokenizer" in class_name:
        return "tokenizer"
    if class_name.endswith("Scheduler") or (sub / "scheduler_config.json").is_file():
        return "scheduler"
    if "Processor" in class_name or "FeatureExtractor" in class_name:
        return "processor"
    return "model"


def _weights(sub: Path, name: str) -> tuple[list[str], int]:
    """Problems with one model component's weights, and their total size."""
    files = [p for p in sub.iterdir() if p.is_file()]
    indexes = [p for p in files if p.name.endswith(".index.json")]
    problems: list[str] = []
    size = 0
    if indexes:
        for index_path in indexes:
            try:
                weight_map = json.loads(index_path.read_text(encoding="utf-8")).get("weight_map", {})
            except (OSError, ValueError, AttributeError):
                problems.append(f"{name}/{index_path.name} (not readable JSON)")
                continue
            for shard in sorted(set(weight_map.values())):
                problem, shard_size = _weight_file(sub / str(shard), name)
                if problem:
                    problems.append(problem)
                size += shard_size
        return problems, size
    weights = [p for p in files if p.name.endswith(_WEIGHT_SUFFIXES)]
    if not weights:
        return [f"{name}/diffusion_pytorch_model.safetensors (or model.safetensors: no weights at all)"], 0
    for weight in weights:
        problem, weight_size = _weight_file(weight, name)
        if problem:
            problems.append(problem)
        size += weight_size
    return problems, size


def _weight_file(path: Path, name: str) -> tuple[str | None, int]:
    """``(problem, size)``: a missing file, or a safetensors file shorter than its header says."""
    label = f"{name}/{path.name}"
    try:
        size = path.stat().st_size
    except OSError:
        return label, 0
    if path.suffix != ".safetensors":
        return (f"{label} (empty)" if size == 0 else None), size
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            if len(head) < 8:
                return f"{label} (truncated: {size} bytes)", size
            (length,) = struct.unpack("<Q", head)
            if length > _SAFETENSORS_MAX_HEADER or 8 + length > size:
                return f"{label} (truncated: {_bytes(size)})", size
            header = json.loads(handle.read(length))
    except (OSError, ValueError):
        return f"{label} (not a safetensors file)", size
    end = max(
        (int(t["data_offsets"][1]) for k, t in header.items() if k != "__metadata__" and "data_offsets" in t),
        default=0,
    )
    if 8 + length + end > size:
        return f"{label} (truncated: {_bytes(size)} of {_bytes(8 + length + end)})", size
    return None, size


def _bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"


def _read_json(path: Path, folder: Path, who: str, *, what: str) -> Mapping[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFolderError(
            f"{who}'s folder {folder} has no {what}: it is not a diffusers pipeline folder (or its download is "
            'incomplete). Download the "-Diffusers" version of the weights there.'
        ) from None
    except (OSError, ValueError) as exc:
        raise ModelFolderError(
            f"{who}'s folder {folder} has a damaged {what} ({exc}). Download it again."
        ) from None
    if not isinstance(data, Mapping):
        raise ModelFolderError(
            f"{who}'s folder {folder} has a damaged {what} (not a JSON object). Download it again."
        )
    return data
