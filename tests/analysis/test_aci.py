"""ACI rules, quoted from the seeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest

from pipeline.analysis import aci
from pipeline.errors import PipelineError


@pytest.mark.parametrize(
    ("population", "band"),
    [
        (0, 1), (39_999, 1),
        # « Taille 2 (entre 40 000 et 80 000 habitants) »: exactly 40 000 is taille 2.
        (40_000, 2), (79_999, 2),
        # « Taille 3 (entre 80 000 et 175 000) »: 80 000 from its lower bound, as 40 000; 175 000 included.
        (80_000, 3), (174_999, 3), (175_000, 3),
        # « Taille 4 (plus de 175 000) »: strictly more.
        (175_001, 4), (2_000_000, 4),
    ],
)
def test_size_band_bounds(population: int, band: int) -> None:
    assert aci.size_band(population) == band


def _within(description: str) -> Callable[[int], bool]:
    """What a French band description says of a population, read from its words (« moins de X », « plus de X »,
    « de X à Y », « de X à moins de Y »)."""
    numbers = [int(n.replace("\u202f", "").replace(" ", "")) for n in re.findall(r"\d[\d\u202f ]*\d", description)]
    if description.startswith("moins de"):
        return lambda p: p < numbers[0]
    if description.startswith("plus de"):
        return lambda p: p > numbers[0]
    if "à moins de" in description:
        return lambda p: numbers[0] <= p < numbers[1]
    return lambda p: numbers[0] <= p <= numbers[1]


def test_each_band_description_says_what_the_band_holds() -> None:
    # Each description, read as French, holds exactly the populations size_band gives its band, at and around
    # every bound of seed 001 (« moins de 40 000 », « entre 80 000 et 175 000 », « plus de 175 000 »).
    said = {band: _within(aci.band_description(band)) for band in (1, 2, 3, 4)}
    for population in (0, 39_999, 40_000, 40_001, 79_999, 80_000, 80_001, 174_999, 175_000, 175_001, 2_000_000):
        assert [band for band, holds in said.items() if holds(population)] == [aci.size_band(population)], population


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
    totals = aci.funding_totals(band, "ACI-2019")
    assert totals["total_possible"] == total
    assert totals["maximum"] == maximum
    assert totals["complet"] and totals["missions_sans_montant"] == []


def test_funding_lines_per_mission() -> None:
    lines = aci.funding_for(2, "ACI-2019").groupby("mission")["montant_eur"].sum()
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


def test_2019_calendar_has_the_five_missions_of_seed_000() -> None:
    # Seed 000, « ACI du 20 juin 2019: Tableau récapitulatif du calendrier de déploiement des missions »: three
    # socle missions (accès aux soins, parcours, prévention) and two complémentaires; no crisis mission.
    cal = aci.mission_calendar(date(2025, 1, 15), "ACI-2019")
    assert len(cal) == 5
    assert (cal["categorie"] == "socle").sum() == 3
    assert "Réponse aux crises sanitaires graves" not in set(cal["mission"])
    assert set(cal["texte"]) == {"ACI du 20 juin 2019"}


def test_crisis_mission_added_by_avenant_2_with_seed_002_deadlines() -> None:
    # Seed 002 (Trame): « MISSION SOCLE 4 DEVELOPPER UNE REPONSE AUX CRISES SANITAIRES GRAVES.
    # Démarrage 6 mois après signature / Déploiement 18 mois max après signature »
    assert aci.DEFAULT_VERSION == "ACI-2019-avenant-2"
    cal = aci.mission_calendar(date(2025, 1, 15))
    assert list(cal["categorie"]) == ["socle"] * 4 + ["complementaire"] * 2
    crisis = cal.set_index("mission").loc["Réponse aux crises sanitaires graves"]
    assert (crisis["categorie"], crisis["demarrage_mois"], crisis["deploiement_mois"]) == ("socle", 6, 18)
    assert (crisis["demarrage"], crisis["deploiement"]) == (date(2025, 7, 15), date(2026, 7, 15))
    assert crisis["texte"] == "avenant 2 à l'ACI (décembre 2021)"
    assert "montant non renseigné dans les sources du projet" in crisis["remarque"]
    # the four socle missions of seed 002 keep their deadlines: 6/18, 12/24, 12/24, 6/18
    assert cal["deploiement_mois"].tolist()[:4] == [18, 24, 24, 18]


@pytest.mark.parametrize("signature", [date(2019, 6, 20), date(2021, 12, 31)])
def test_a_contract_signed_before_avenant_2_has_no_crisis_deadline_from_its_signature(signature: date) -> None:
    """A review: a contract signed on 20 June 2019 got « réponse aux crises sanitaires graves » to start by
    20/12/2019, two years before the avenant (December 2021) that created the mission. Such a contract takes the
    mission in by an avenant of its own (seed 003: « un avenant au contrat peut être signé à tout moment »):
    the deadlines (6 and 18 months) stand, their dates are not known; the 2019 missions keep theirs."""
    cal = aci.mission_calendar(signature).set_index("mission")
    crisis = cal.loc["Réponse aux crises sanitaires graves"]
    assert (crisis["demarrage_mois"], crisis["deploiement_mois"]) == (6, 18)
    assert crisis["demarrage"] is None and crisis["deploiement"] is None
    assert ("contrat signé avant l'avenant 2 à l'ACI (décembre 2021) : les délais de cette mission courent à partir "
            "de l'avenant au contrat de la CPTS qui l'y intègre (date non connue ici)") in crisis["remarque"]
    access = cal.loc["Accès aux soins (médecin traitant et soins non programmés)"]
    assert access["demarrage"] == aci.add_months(signature, 6)
    # From 1 January 2022 every new contract includes the avenant: dates from the signature.
    later = aci.mission_calendar(date(2022, 1, 1)).set_index("mission").loc["Réponse aux crises sanitaires graves"]
    assert (later["demarrage"], later["deploiement"]) == (date(2022, 7, 1), date(2023, 7, 1))


def test_crisis_mission_amount_is_not_given_and_never_invented() -> None:
    for band in (1, 2, 3, 4):
        lines = aci.funding_for(band)
        crisis = lines[lines["mission"] == "Réponse aux crises sanitaires graves"]
        assert len(crisis) == 1
        assert pd.isna(crisis["montant_eur"].iloc[0])
        assert crisis["remarque"].iloc[0] == aci.AMOUNT_NOT_GIVEN == "montant non renseigné dans les sources du projet"
        # the other lines are those of the 2019 table (seed 001), unchanged
        others = lines[lines["mission"] != "Réponse aux crises sanitaires graves"].reset_index(drop=True)
        pd.testing.assert_frame_equal(others, aci.funding_for(band, "ACI-2019"))


def test_totals_including_an_unknown_amount_are_unknown() -> None:
    totals = aci.funding_totals(1)
    # a total over a line without amount is not a total: None, and the known part is given separately
    assert totals["total_possible"] is None and totals["maximum"] is None
    assert (totals["total_connu"], totals["maximum_connu"]) == (185_000, 220_000)
    assert totals["volet_supplementaire"] == 35_000
    assert not totals["complet"]
    assert totals["missions_sans_montant"] == ["Réponse aux crises sanitaires graves"]


def test_unknown_version() -> None:
    with pytest.raises(PipelineError, match="Version de l'ACI inconnue"):
        aci.funding_table("ACI-2031")
