"""ACI rules, quoted from the seeds."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.analysis import aci
from pipeline.errors import PipelineError


@pytest.mark.parametrize(
    ("population", "band"),
    [
        (0, 1), (39_999, 1),
        # « Taille 2 (entre 40 000 et 80 000 habitants) »: exactly 40 000 is taille 2.
        (40_000, 2), (79_999, 2),
        # « Taille 3 (entre 80 000 et 175 000) »
        (80_000, 3), (174_999, 3),
        # « Taille 4 (plus de 175 000) »
        (175_000, 4), (2_000_000, 4),
    ],
)
def test_size_band_bounds(population: int, band: int) -> None:
    assert aci.size_band(population) == band


def test_taille_4pp_needs_more_than_100_professionals() -> None:
    # Seed 002: « Taille 4++ : Taille 4 avec plus de 100 PS ».
    assert aci.size_label(200_000, 101) == "4++"
    assert aci.size_label(200_000, 100) == "4"
    assert aci.size_label(100_000, 500) == "3"


@pytest.mark.parametrize(
    ("band", "total", "maximum"),
    # Seed 001: « Financement total possible … 185 000 € 242 000 € 315 000 € 380 000 € », plus the
    # « Volet supplémentaire - Financement spécifique de soins non programmés 35 000 € 45 000 € 55 000 € 70 000 € ».
    [(1, 185_000, 220_000), (2, 242_000, 287_000), (3, 315_000, 370_000), (4, 380_000, 450_000)],
)
def test_funding_totals_match_seed_001(band: int, total: int, maximum: int) -> None:
    totals = aci.funding_totals(band)
    assert totals["total_possible"] == total
    assert totals["maximum"] == maximum


def test_funding_lines_per_mission() -> None:
    lines = aci.funding_for(2).groupby("mission")["montant_eur"].sum()
    # « Missions en faveur de l'amélioration de l'accès aux soins (socle) … Total … 47 000 € » (taille 2).
    assert lines["Accès aux soins"] == 47_000
    assert lines["Parcours pluriprofessionnels"] == 70_000
    assert lines["Financement du fonctionnement"] == 60_000


def test_mission_calendar_after_signature() -> None:
    cal = aci.mission_calendar(date(2025, 8, 31)).set_index("mission")
    # Seed 000: accès aux soins « 6 mois 18 mois »; parcours « 12 mois 24 mois ».
    access = cal.loc["Accès aux soins (médecin traitant et soins non programmés)"]
    assert access["demarrage"] == date(2026, 2, 28)  # end of month clamps to the last day
    assert access["deploiement"] == date(2027, 2, 28)
    parcours = cal.loc["Parcours pluriprofessionnels autour du patient"]
    assert (parcours["demarrage"], parcours["deploiement"]) == (date(2026, 8, 31), date(2027, 8, 31))
    assert cal.loc["Réponse aux crises sanitaires graves", "deploiement_mois"] == 18
    assert cal.loc["Qualité et pertinence des soins", "demarrage"] is None  # « Pas de délai particulier »


def test_bad_signature_date() -> None:
    with pytest.raises(PipelineError, match="AAAA-MM-JJ"):
        aci.parse_signature("31/08/2025")
