"""The APL of a commune merged since the DREES workbook is said to be computed, with the rows it averages (a review).

The workbook (its own COG) has rows 33008 and 33409 for what is now one commune, 33008: the tool shows their
mean weighted by the standardised population, as the workbook prescribes for a group of communes. It was written
as « publiée »; the rows it averages are now in apl.csv and the report's sentence says how it is made. Expected
values are read from the raw workbook with openpyxl (tests/app/profile_raw.py), not through the pipeline.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.app.sections.apl import apl_section
from pipeline.store.queries.apl import apl_current
from tests.app import profile_raw as raw
from tests.conftest import cli_environment, private_outputs

pytestmark = [pytest.mark.mirror]


def test_a_merged_commune_names_the_workbook_rows_its_apl_averages(db: Any) -> None:
    rows = {year: raw.apl_rows(year, ["33008", "33409"]) for year in (2022, 2023)}
    assert all(len(r) == 2 for r in rows.values())  # two rows of the workbook, one commune today
    units = pd.DataFrame({"unit_code": ["33008", "04070"], "commune_code": ["33008", "04070"],
                          "nom": ["a", "Digne-les-Bains"], "population": [1, 1],
                          "type": ["commune-actuelle", "commune-actuelle"]})
    section = apl_section(apl_current(db), units, "33", "75")
    per_unit = section.per_unit.set_index("unit_code")
    for year in (2022, 2023):
        assert per_unit.loc["33008", f"apl_{year}"] == pytest.approx(raw.apl_weighted(rows[year], "apl"), rel=1e-9)
        assert per_unit.loc["33008", f"codes_classeur_{year}"] == "33008, 33409"
        # A commune of the workbook's own COG has its published row: nothing averaged to say.
        assert pd.isna(per_unit.loc["04070", f"codes_classeur_{year}"])
        (digne,) = raw.apl_rows(year, ["04070"])
        assert per_unit.loc["04070", f"apl_{year}"] == pytest.approx(digne["apl"], rel=1e-9)


def test_the_report_says_the_apl_of_a_merged_commune_is_computed(fixture_data_dir: Path, tmp_path: Path) -> None:
    from pipeline.cli import main

    data = private_outputs(fixture_data_dir, tmp_path / "data")
    with cli_environment(data, tmp_path / "maps"):
        assert main(["diagnostic", "communes:33008,33009"]) == 0
    table = pd.read_csv(data / "processed" / "diagnostics" / "communes-33008-33009" / "apl.csv", dtype=str)
    averaged = table.set_index("unit_code")["codes_classeur_2023"].fillna("")
    assert averaged.to_dict() == {"33008": "33008, 33409", "33009": ""}
    html = (tmp_path / "maps" / "communes-33008-33009" / "rapport.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub("<[^>]+>", "", unescape(html)))
    assert "sur 2 dont l'APL est connue" in text and "dont l'APL est publiée" not in text
    assert ("L'APL 2023 d'une commune fusionnée depuis la publication du classeur de la DREES est la moyenne des APL "
            "publiées des communes qui la composent, pondérée par leur population standardisée") in text
    assert re.search(r"\(\S[^()]*\(33008\) : lignes 33008, 33409\)\.", text), text[:2000]
