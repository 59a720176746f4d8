"""A ``FLUX=`` table without any consultation of the residents made outside the territory, in the flows and the
pertinence sections of a diagnostic.

A review: the most likely table a CPTS builds (its own GPs' patients by commune of residence, every consultation
made in the territory) read « Auto-confinement du périmètre : 100 % », « fuites 0 », « aucune commune à
examiner » and a self-containment with the candidates of 100 %, for 63,7 % on the complete table. Known answers
are computed by hand below, on the fixture database (perimeter: Digne-les-Bains 04070 and Archail 04009;
Manosque 04112, about 22 700 inhabitants, outside).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.model.diagnostic import Diagnostic
from pipeline.render.sections.pertinence import pertinence_section
from pipeline.render.summary import pertinence_summary
from pipeline.render.tables import pertinence_entries
from pipeline.store.territory import resolve_territory

pytestmark = [pytest.mark.mirror]

PERIMETER = "communes:04070,04009"
#: The residents' consultations, all made inside: 800 + 30 + 20 = 850; Manosque's 60 000 into Digne.
INSIDE_ROWS = [("04070", "04070", 800), ("04009", "04070", 30), ("04009", "04009", 20), ("04112", "04070", 60_000)]
NO_LEAKS = ("la table de flux fournie n'a aucun recours de médecins généralistes des habitants du territoire réalisé "
            "hors de celui-ci (elle ne semble donner que les recours réalisés dans le territoire) : leurs fuites ne "
            "sont pas connues")
NOT_AVAILABLE = "non disponible"


def diagnostic(con: duckdb.DuckDBPyConnection, tmp_path: Path, rows: list[tuple[str, str, int]]) -> Diagnostic:
    path = tmp_path / "flux.csv"
    path.write_text("origine;destination;volume;profession\n" + "".join(f"{o};{d};{v};MG\n" for o, d, v in rows),
                    encoding="utf-8")
    return compute(con, resolve_territory(con, PERIMETER), DiagnosticOptions(territory=PERIMETER, flows=path))


def test_a_table_of_the_consultations_made_inside_gives_no_residents_figure(db: duckdb.DuckDBPyConnection,
                                                                            tmp_path: Path) -> None:
    """No row leaves the territory, from anywhere: the residents' leaks are unknown, and Manosque's share into it
    (100 % by construction) too: no self-containment, no candidate, no unit to examine. What is made inside
    (850 + 60 000 = 60 850) and the outsiders' part of it (60 000 / 60 850) are known."""
    d = diagnostic(db, tmp_path, INSIDE_ROWS)
    assert d.flows is not None
    row = d.flows.synthesis.set_index("groupe").loc["Médecins généralistes"]
    assert all(math.isnan(row[c]) for c in ("recours_residents", "recours_internes", "auto_confinement", "fuites"))
    assert row["recours_realises"] == pytest.approx(60_850)
    assert row["attraction"] == pytest.approx(60_000 / 60_850)
    assert any("aucun recours des habitants du territoire hors de celui-ci" in c for c in d.flows.caveats)
    p = d.pertinence
    assert p is not None and not p.available and p.unavailable is not None
    assert NO_LEAKS in p.unavailable and "100 % par construction" in p.unavailable
    assert p.candidates.empty and p.to_examine.empty and math.isnan(p.self_containment)
    summary = pertinence_summary(d)
    assert summary is not None and summary["indisponible"] == p.unavailable and "auto_confinement" not in summary
    figures = {f["label"]: f["value"] for f in pertinence_section(d)["key_figures"]}
    assert figures["Auto-confinement (médecins généralistes)"] == NOT_AVAILABLE
    assert figures["Communes à examiner"] == NOT_AVAILABLE


def test_candidates_are_still_computed_when_only_the_residents_leaks_are_missing(db: duckdb.DuckDBPyConnection,
                                                                                 tmp_path: Path) -> None:
    """The same residents' rows, and Manosque's 40 000 consultations at home: its share into the territory is
    60 000 / 100 000 = 60 %, a candidate; the residents' self-containment, the units to examine and the
    self-containment with the candidate are « non disponible », with the reason, never 100 % nor « aucune »."""
    d = diagnostic(db, tmp_path, [*INSIDE_ROWS, ("04112", "04112", 40_000)])
    p = d.pertinence
    assert p is not None and p.available and p.residents_unknown == NO_LEAKS
    assert list(p.candidates["code"]) == ["04112"]
    assert p.candidates.loc[0, "share_into_perimeter"] == pytest.approx(0.6)
    assert math.isnan(p.self_containment) and math.isnan(p.self_containment_with_candidates)
    assert p.to_examine.empty and not math.isnan(p.population_with_candidates)
    summary = pertinence_summary(d)
    assert summary is not None and summary["a_examiner"] is None and summary["habitants_indisponible"] == NO_LEAKS
    assert [c["code"] for c in summary["candidats"]] == ["04112"]
    content = pertinence_section(d)
    figures = {f["label"]: f["value"] for f in content["key_figures"]}
    assert figures["Auto-confinement (médecins généralistes)"] == NOT_AVAILABLE
    assert figures["Communes à examiner"] == NOT_AVAILABLE
    assert figures["Communes candidates à l'ajout"] == 1
    assert figures["Auto-confinement avec les candidates"] == NOT_AVAILABLE
    text = " ".join(content["paragraphs"])
    assert f"Auto-confinement du périmètre : {NOT_AVAILABLE} ({NO_LEAKS})" in text
    assert "serait de non disponible" not in text
    examine = next(e for e in pertinence_entries(d) if e.key == "pertinence_a_examiner")
    assert examine.empty == f"{NOT_AVAILABLE} : {NO_LEAKS}"


def test_the_nurses_reservations_stay_out_of_the_gp_pertinence(db: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A review: the nurses' « aucun recours d'habitants pour 1 des 2 unités » stood among the reservations of the
    pertinence, which reads the GP consultations only (whole here: both units, leaks and outsiders)."""
    path = tmp_path / "flux.csv"
    rows = [("04070", "04070", 800, "MG"), ("04070", "04112", 200, "MG"), ("04009", "04070", 30, "MG"),
            ("04009", "04009", 20, "MG"), ("04112", "04070", 600, "MG"), ("04070", "04070", 500, "infirmiers")]
    path.write_text("origine;destination;volume;profession\n" + "".join(f"{o};{d};{v};{p}\n" for o, d, v, p in rows),
                    encoding="utf-8")
    d = compute(db, resolve_territory(db, PERIMETER), DiagnosticOptions(territory=PERIMETER, flows=path))
    assert d.flows is not None and d.pertinence is not None and d.pertinence.available
    nurses = [c for c in d.flows.caveats if "Infirmiers" in c]
    assert nurses and "aucun recours d'habitants pour 1 des 2 unités" in nurses[0]  # the flows section keeps it
    assert not any("Infirmiers" in c for c in d.pertinence.caveats)
    # The GPs' self-containment: (800 + 30 + 20) / (800 + 200 + 30 + 20).
    assert d.pertinence.self_containment == pytest.approx(850 / 1050)
