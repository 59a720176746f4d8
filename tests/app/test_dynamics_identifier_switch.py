"""A practitioner whose ADELI number was replaced by an RPPS number between two extractions is, by the national
identifier the extraction gives (« 0 » + ADELI, « 8 » + RPPS), a departure and an arrival: the dynamics say so
per profession (a review: an infirmier whose identifier changed, same place, read « 1 arrivée, 1 départ » without
a word)."""

from __future__ import annotations

import pandas as pd

from pipeline.app.sections.dynamics import identifier_switches
from pipeline.render.sections.dynamics import _period_part


def frame(identifiers: list[str], groupe: str = "Infirmiers") -> pd.DataFrame:
    return pd.DataFrame({"rpps": identifiers, "groupe": groupe, "unite": "04070", "commune": "04070"})


def test_adeli_numbers_replaced_by_rpps_ones_are_said() -> None:
    # Two nurses kept their RPPS number; one ADELI number (0…) left 04070, two RPPS numbers (8…) arrived there: one
    # possible change of identifier (the smaller count).
    start = frame(["0041234567", "810000000001", "810000000002"])
    end = frame(["810000000001", "810000000002", "810000000066", "810000000067"])
    assert identifier_switches(start, end) == [
        "Infirmiers : 1 départ d'un identifiant ADELI et autant d'arrivées d'un identifiant RPPS dans les mêmes "
        "communes entre les deux extractions ; un professionnel passé de l'ADELI au RPPS compte comme un départ et "
        "une arrivée (ses deux numéros ne sont pas reliés dans l'extraction) : arrivées et départs peut-être "
        "surestimés"]
    # No ADELI number gone, or none arrived under RPPS: nothing to say.
    assert identifier_switches(start, start) == []
    assert identifier_switches(start, frame(["810000000001", "810000000002"])) == []
    # Another profession's RPPS numbers do not count, nor an arrival in another commune (turnover, a review).
    assert identifier_switches(start, pd.concat([frame(["810000000001", "810000000002"]),
                                                 frame(["810000000099"], "Pharmaciens")])) == []
    elsewhere = pd.concat([frame(["810000000001", "810000000002"]), frame(["810000000066"]).assign(unite="04001")])
    assert identifier_switches(start, elsewhere) == []


def test_the_caveat_is_in_the_report() -> None:
    from datetime import date
    from types import SimpleNamespace

    from pipeline.model.profile import DynamicsPeriod

    counts = pd.DataFrame({"groupe": ["Infirmiers", "Ensemble des professionnels"], "present_start": [3, 3],
                           "present_end": [3, 3], "arrivals": [1, 1], "departures": [1, 1], "net_change": [0, 0]})
    period = DynamicsPeriod(start=date(2021, 12, 2), end=date(2022, 6, 1), territory=counts,
                            per_unit=counts.assign(lieu="04070").iloc[:0], rows_left_out={},
                            identifier_switches=["Infirmiers : essai"])
    d = SimpleNamespace(units=pd.DataFrame({"unit_code": ["04070"], "nom": ["Digne-les-Bains"]}))
    assert "Attention : Infirmiers : essai." in _period_part(d, period)["paragraphs"]  # type: ignore[arg-type]
    # And in summary.json, for the scripts reading the figures.
    from pipeline.model.profile import DynamicsSection
    from pipeline.render.summary_profile import _dynamics

    d.dynamics = DynamicsSection(extractions=[period.start, period.end], periods=[period], forecast_note="")
    (summary,) = _dynamics(d)["dynamique_offre"]["periodes"]  # type: ignore[arg-type]
    assert summary["changements_identifiant"] == ["Infirmiers : essai"]
