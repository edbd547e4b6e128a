"""environment.yml (for conda users) must ask for the same packages and lower bounds as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_REQUIREMENT = re.compile(r"^\s*-\s+(?P<name>[A-Za-z0-9_.\-]+)(?P<spec>[<>=!~][^#\s]*)?")


def _requirements(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = _REQUIREMENT.match(line)
        if match and match["name"] not in {"pip", "python", "-e"}:
            found[match["name"].lower()] = match["spec"] or ""
    return found


def test_environment_yml_mirrors_the_runtime_dependencies() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = dict(
        re.match(r"(?P<name>[A-Za-z0-9_.\-]+)(?P<spec>.*)", dep).group("name", "spec")  # type: ignore[union-attr]
        for dep in project["dependencies"]
    )
    text = (REPO / "environment.yml").read_text()
    conda = _requirements(text.split("\ndependencies:", 1)[1].splitlines())
    assert conda == {name.lower(): spec for name, spec in declared.items()}
    assert "- python>=3.11" in text
    assert project["requires-python"] == ">=3.11"
