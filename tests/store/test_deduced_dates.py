"""An extraction dated by its file's modification time says so wherever its date is shown.

A FINESS or Annuaire Santé file with no date in its header or name is dated by the file's last modification
(anomaly ``date_extraction_deduite``): a review found the report's sources reading « FINESS, extraction du
05/12/2026 » with nothing telling that the date was supposed.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import duckdb

from pipeline.render.provenance import DEDUCED_DATE, finess_line, registry_line
from pipeline.store import schema
from pipeline.store.queries import provenance


def _database() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    schema.create_schema(con)
    rows = [("finess", "2024-05-17"), ("finess", "2025-03-01"), ("annuaire-sante", "2025-03-01"),
            ("annuaire-sante", "2025-06-01")]
    for source, vintage in rows:
        con.execute("INSERT INTO sources (source, vintage, origin, row_count, loaded_at) VALUES (?, ?, 'x', 1, now())",
                    [source, vintage])
    # Deduced: the FINESS of 17/05/2024 and the registry of 01/06/2025, not the others (same dates, other source).
    con.execute("INSERT INTO finess_anomalies (extraction, type, code, nb_lignes, message) VALUES "
                "(?, 'date_extraction_deduite', '', 3, 'm')", [date(2024, 5, 17)])
    con.execute("INSERT INTO ps_anomalies (extraction, type, code, nb_lignes, message) VALUES "
                "(?, 'date_extraction_deduite', '', 3, 'm'), (?, 'commune_inconnue', '', 1, 'm')",
                [date(2025, 6, 1), date(2025, 3, 1)])
    return con


def test_the_sources_tell_which_extraction_dates_were_deduced() -> None:
    con = _database()
    frame = provenance.sources(con).set_index(["source", "vintage"])["date_deduite"]
    assert frame.to_dict() == {("annuaire-sante", "2025-03-01"): False, ("annuaire-sante", "2025-06-01"): True,
                               ("finess", "2024-05-17"): True, ("finess", "2025-03-01"): False}


def test_the_report_says_a_deduced_date_is_supposed() -> None:
    sources = provenance.sources(_database())
    d = SimpleNamespace(sources=sources, is_demo=lambda source: False)
    assert registry_line(d) == f"Annuaire Santé (RPPS/ADELI), extraction du 01/06/2025{DEDUCED_DATE}"  # type: ignore[arg-type]
    assert finess_line(d) == "FINESS, extraction du 01/03/2025"  # type: ignore[arg-type]  # the latest, dated
    older = SimpleNamespace(sources=sources[sources["vintage"] != "2025-03-01"], is_demo=lambda source: False)
    assert finess_line(older) == f"FINESS, extraction du 17/05/2024{DEDUCED_DATE}"  # type: ignore[arg-type]
    assert registry_line(d).endswith("01/06/2025 (date supposée : celle de la dernière modification du fichier, "  # type: ignore[arg-type]
                                     "ni son en-tête ni son nom n'en donnant)")
