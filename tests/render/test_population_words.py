"""The population's change in words (report and Trame): a review read « a évolué de 0 habitants » for Marseille 7e,
whose legal population was 35 173 in both vintages."""

from __future__ import annotations

import pytest

from pipeline.render.sections.population import evolution_words


@pytest.mark.parametrize(("change", "rate", "words"), [
    (0.0, 0.0, "est restée stable (0,00 % par an)"),
    (1.0, 0.004, "a augmenté de 1 habitant (0,00 % par an)"),  # the sign of the rate shown, not of the unrounded
    (-1.0, -0.0049, "a diminué de 1 habitant (0,00 % par an)"),
    (5.0, float("nan"), "a augmenté de 5 habitants"),
    (1234.0, 0.4512, "a augmenté de 1\u202f234 habitants (+0,45 % par an)"),
    (-5.0, -0.0149, "a diminué de 5 habitants (−0,01 % par an)"),
    (float("nan"), float("nan"), "a évolué d'un nombre d'habitants non disponible"),
])
def test_the_change_is_said_in_french(change: float, rate: float, words: str) -> None:
    assert evolution_words(change, rate) == words


def test_a_reservation_goes_on_in_lower_case_after_its_colon() -> None:
    """A review: « Réserve : Table origine–destination : 1 ligne(s) écartée(s) … ». An acronym keeps its case."""
    from pipeline.render.sections.common import reservations

    assert reservations(["Table origine–destination : 1 ligne écartée.", "APL non disponible", "flux partiels"]) == [
        "Réserve : table origine–destination : 1 ligne écartée.", "Réserve : APL non disponible.",
        "Réserve : flux partiels."]
