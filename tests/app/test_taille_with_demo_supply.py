"""« Taille 4++ » (seed 002: « Taille 4 avec plus de 100 PS ») is never drawn from made-up practitioners.

The fixture database's registry is the demonstration one: Paris 18e–20e (546 958 inhabitants, taille 4 by
population alone, DESIGN: « 4 > 175 000 ») has thousands of fictitious professionals, which must not make it
« 4++ »; the count is shown, labelled as demonstration data.
"""

from __future__ import annotations

import duckdb

from pipeline.app.diagnostic import compute
from pipeline.model import DiagnosticOptions
from pipeline.render.trame import trame_document
from pipeline.store.territory import resolve_territory
from tests.app import profile_raw as raw

PARIS = "communes:75118,75119,75120"


def test_demo_professionals_do_not_make_taille_4pp(db: duckdb.DuckDBPyConnection) -> None:
    assert db.execute("SELECT bool_and(demo) FROM sources WHERE source = 'annuaire-sante'").fetchall() == [(True,)]
    d = compute(db, resolve_territory(db, PARIS), DiagnosticOptions(territory=PARIS))
    population = sum(raw.populations("6.0.0")[c] for c in ("75118", "75119", "75120"))
    assert d.territory.population == population > 175_000
    assert d.taille.professionals is not None and d.taille.professionals > 100
    assert (d.taille.band, d.taille.label) == (4, "4")
    assert ("taille 4++ non retenue : les plus de 100 professionnels de santé comptés viennent de l'offre fictive "
            "de démonstration") in d.notes
    # The Word Trame ticks the band the diagnostic retained, not one recounted from the shown count.
    trame = trame_document(d)
    assert (trame.taille, trame.taille_4_plus_plus) == (4, False)
    # The reason stands beside the unticked box (a review found it only among the remarks, far below).
    assert trame.taille_note.endswith(f"taille 4++) : {d.taille.professionals:,}".replace(",", "\u202f")
                                      + ", dans l'offre fictive de démonstration, qui ne peut établir la taille 4++.")
    # summary.json gives the same count (a review found it only in the Word Trame).
    from pipeline.render.summary import summary

    assert summary(d)["taille_professionnels"] == d.taille.professionals
