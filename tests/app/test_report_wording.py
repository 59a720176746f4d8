"""Small things a reader notices (issue 14, item 5), through the real command line on the fixture database.

* counts agree in French (« 1 CPTS partage … ; 1 est limitrophe », « 0 établissement »);
* a territory of a région without any loaded listing says « aucune liste de CPTS chargée pour cette
  région », not « aucune autre CPTS »;
* ``territoire communes:04002`` names the old commune (Ainac, merged into La Robine-sur-Galabre in
  1973, named by the INSEE history file), never « nan »;
* the report says the APL is weighted by the standardised population, as the DREES (and the code) do;
* an ``AJOUT=`` change too far from the territory says so instead of printing a table of zeros, and the
  simulation names the communes and gives the territory's before/after;
* a database loaded for a few départements labels its « France » figures with what they cover.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from pipeline.app.sections.neighbours import COLUMNS as NEIGHBOUR_COLUMNS
from tests.render.documents_runs import Run, database_copy, run_in

pytestmark = [pytest.mark.mirror, pytest.mark.xdist_group("report_wording")]


@pytest.fixture(scope="module")
def data(fixture_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return database_copy(fixture_data_dir, tmp_path_factory.mktemp("wording"))


def report_text(run: Run, slug: str) -> str:
    page = (run.maps(slug) / "rapport.html").read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.replace("<wbr>", "")))  # a break opportunity is no space
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


def neighbours_paragraph(table: list[tuple[str, str, bool]], listings: list[str]) -> str:
    """The « Chevauchements et voisins » paragraph for a neighbours table (cpts, shared units, bordering)."""
    from pipeline.render.sections.members import neighbours_section

    frame = pd.DataFrame([{"liste": "paca", "cpts": c, "unites_communes": u, "population_commune": 10 if u else 0,
                           "limitrophe": b} for c, u, b in table],
                         columns=NEIGHBOUR_COLUMNS)  # the shares unknown (NaN): not what these tests read
    d = SimpleNamespace(neighbours=frame, listings_in_region=listings, regions_without_listing=[],
                        near_duplicate_neighbours=[], near_duplicate_notes=[])
    return str(neighbours_section(d)["paragraphs"][0])  # type: ignore[arg-type]


def test_counts_agree_in_french() -> None:
    # A CPTS that shares communes is not counted again among the bordering ones (a review: « 1 CPTS partage … ;
    # 2 sont limitrophes » for two CPTS).
    one = neighbours_paragraph([("CPTS A", "04001", True)], ["paca"])
    assert one.startswith("1 CPTS partage des communes avec ce territoire ; aucune autre n'est limitrophe.")
    two = neighbours_paragraph([("CPTS A", "04001", True), ("CPTS B", "04002", False), ("CPTS C", "", True)],
                               ["paca"])
    assert two.startswith("2 CPTS partagent des communes avec ce territoire ; 1 autre est limitrophe.")
    three = neighbours_paragraph([("CPTS A", "04001", True), ("CPTS C", "", True), ("CPTS D", "", True)], ["paca"])
    assert three.startswith("1 CPTS partage des communes avec ce territoire ; 2 autres sont limitrophes.")
    none_shared = neighbours_paragraph([("CPTS C", "", True)], ["paca"])
    assert none_shared.startswith("Aucune autre CPTS ne partage de commune avec ce territoire ; 1 est limitrophe.")
    from pipeline.render.sections.common import plural

    assert [plural(n, "établissement") for n in (0, 1, 2)] == ["0 établissement", "1 établissement",
                                                               "2 établissements"]


def test_no_listing_loaded_for_the_region(data: Path, tmp_path: Path) -> None:
    """Gironde (région 75): the fixture database holds the PACA listing only."""
    run = run_in(data, tmp_path / "maps", ["diagnostic", "communes:33232"])
    assert run.code == 0, run.stderr
    text = report_text(run, "communes-33232")
    assert "Aucune liste de CPTS ne semble chargée pour cette région" in text
    assert "Aucune autre CPTS des listes chargées" not in text
    # The database holds five départements: its « France » figures say so.
    assert "France (départements chargés : 04, 13, 33, 75, 976)" in text
    assert "Base limitée aux départements 04, 13, 33, 75, 976" in text


def test_listing_loaded_but_no_neighbour_names_the_listing() -> None:
    from pipeline.render.sections.members import neighbours_section

    d = SimpleNamespace(neighbours=pd.DataFrame(columns=NEIGHBOUR_COLUMNS), listings_in_region=["paca"],
                        regions_without_listing=[], near_duplicate_neighbours=[], near_duplicate_notes=[])
    text = neighbours_section(d)["paragraphs"][0]  # type: ignore[arg-type]
    assert text == "Aucune autre CPTS des listes chargées (paca) ne partage ou ne jouxte ce territoire."


def test_neighbours_whose_names_the_listing_holds_as_near_duplicates_are_named_when_it_matters() -> None:
    """A review: the Sisteronais-Buëch counted « CPTS Gapençais » and « CPTS du Gapençais » as two neighbours; a
    second review: the sentence was also given when only one of the pair was a neighbour (nothing counted twice),
    and for the Gapençais itself, whose near-namesake's commune would be missing from it, not counted twice."""
    from pipeline.app.sections.neighbours import near_duplicates
    from pipeline.render.sections.members import neighbours_section

    members = pd.DataFrame({"listing": "paca", "cpts": ["CPTS Gapençais", "CPTS du Gapençais", "CPTS du Gapençais",
                                                        "CPTS Sisteron", "CPTS Laragne"],
                            "unit_code": ["05013", "05061", "05023", "04209", "05070"]})

    def table(*names: str) -> pd.DataFrame:
        return pd.DataFrame({"liste": "paca", "cpts": list(names), "unites_communes": "", "population_commune": 0,
                             "part_population_territoire": 0.0, "part_population_cpts": 0.0, "limitrophe": True})

    other_territory = SimpleNamespace(own_listing_entry=None)
    both = table("CPTS du Gapençais", "CPTS Sisteron", "CPTS Gapençais")
    names, sentences = near_duplicates(members, both, other_territory)  # type: ignore[arg-type]
    assert names == ["CPTS Gapençais", "CPTS du Gapençais"]
    assert sentences == ["« CPTS Gapençais » et « CPTS du Gapençais » ont des noms proches dans la liste « paca » : "
                         "s'il s'agit de la même CPTS, elle est comptée deux fois ci-dessus."]
    assert near_duplicates(members, table("CPTS du Gapençais", "CPTS Sisteron"), other_territory) == ([], [])  # type: ignore[arg-type]
    itself = SimpleNamespace(own_listing_entry=("CPTS du Gapençais", "paca"))
    names, sentences = near_duplicates(members, table("CPTS Gapençais", "CPTS Sisteron"), itself)  # type: ignore[arg-type]
    assert names == ["CPTS Gapençais"]
    assert sentences == ["« CPTS Gapençais », voisine, a un nom proche de cette CPTS dans la liste « paca » : s'il "
                         "s'agit de la même CPTS, ses unités (05013) manquent à ce territoire."]
    d = SimpleNamespace(neighbours=both, listings_in_region=["paca"], regions_without_listing=[],
                        near_duplicate_neighbours=names, near_duplicate_notes=sentences)
    paragraphs = neighbours_section(d)["paragraphs"]  # type: ignore[arg-type]
    assert paragraphs[0].startswith("Aucune autre CPTS ne partage de commune avec ce territoire ; 3 sont limitrophes.")
    assert paragraphs[1] == sentences[0]


def test_old_commune_code_is_named(data: Path, tmp_path: Path) -> None:
    run = run_in(data, tmp_path / "maps", ["territoire", "communes:04002"])
    assert run.code == 0, run.stderr
    assert "04002 (Ainac, ancien code) rattaché à la commune actuelle 04167 (La Robine-sur-Galabre)" in run.stdout
    assert "nan" not in run.stdout


@pytest.fixture(scope="module")
def far_what_if(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """+2 GPs in Digne-les-Bains, in the model's neighbourhood of the Verdon but beyond its distance steps."""
    run = run_in(data, tmp_path_factory.mktemp("maps"), ["diagnostic", "cpts:CPTS du Verdon", "--ajout",
                                                         "médecins généralistes:2@04070"])
    assert run.code == 0, run.stderr
    return run


def test_apl_weighting_is_said(far_what_if: Run) -> None:
    text = report_text(far_what_if, "cpts-cpts-du-verdon")
    assert "moyenne des communes pondérée par leur population standardisée" in text


def test_what_if_without_effect_says_so(far_what_if: Run) -> None:
    text = report_text(far_what_if, "cpts-cpts-du-verdon")
    assert ("Simulation : le scénario ne modifie l'APL approchée d'aucune commune du territoire : les changements "
            "sont trop loin des communes du territoire") in text
    assert "Les communes modifiées hors du territoire (04070)" in text
    assert "communes dont l'APL approchée change" not in text  # no table of zeros
    # The territory's before/after is still given, equal.
    # Digne-les-Bains, outside the Verdon, named too (a review: a change placed 12 km away was never named).
    assert ("Simulation : +2 médecins généralistes à 04070 (Digne-les-Bains) — APL approchée du territoire"
            in text)
    summary: dict[str, Any] = json.loads(
        (far_what_if.tables("cpts-cpts-du-verdon") / "summary.json").read_text(encoding="utf-8"))
    (territory,) = summary["simulation"]["territoire"]
    assert territory["ecart"] == pytest.approx(0.0, abs=1e-9)
    assert territory["avant"] == pytest.approx(territory["apres"])


def test_what_if_outside_the_neighbourhood_is_refused_in_french(data: Path, tmp_path: Path) -> None:
    run = run_in(data, tmp_path / "maps", ["diagnostic", "cpts:CPTS du Verdon", "--ajout",
                                           "médecins généralistes:2@75056"])
    assert run.code == 2
    assert run.stderr == "Erreur : Simulation : commune(s) hors du voisinage du territoire : 75056\n"
