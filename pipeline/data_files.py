"""Access to small reference tables shipped inside the package (``pipeline/data``)."""

from __future__ import annotations

from pipeline.config import PACKAGE_DATA


def read_package_lines(name: str) -> list[str]:
    text = (PACKAGE_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
