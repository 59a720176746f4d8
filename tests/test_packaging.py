"""environment.yml and pyproject.toml list the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\s\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = {_name(d): d for d in project["dependencies"]}
    conda_deps = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^  - ([A-Za-z0-9_.-]+[^#]*)$", line)
        if match and not line.startswith("  - pip"):
            conda_deps[_name(match.group(1))] = match.group(1).strip()
    conda_deps.pop("python", None)
    assert set(pip_deps) == set(conda_deps)
    for name, spec in pip_deps.items():
        assert spec.replace(" ", "") == conda_deps[name].replace(" ", ""), name
