"""The funding of a taille is a floor while a mission has no amount in the sources (a review of the ACI figures).

Seed 001 gives the 2019 amounts (185 000 € for taille 1, 220 000 € with the volet supplémentaire); the crisis
mission of avenant 2 has no amount in any source of the project. The report said « jusqu'à 220 000 € », the
editor « maximum 220 000 € », both ceilings of a sum lacking a mission; and the version label said « modifié par
l'avenant 2 » above the 2019 amounts.
"""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.app.sections.taille import taille_section
from pipeline.render.sections.taille import taille_section as taille_report
from pipeline.render.sections.taille import word_taille_note


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_totals_lacking_a_mission_are_floors_in_the_report_and_the_word_trame() -> None:
    taille = taille_section(30_000, None, None)
    assert taille.missions_without_amount == ["Réponse aux crises sanitaires graves"]
    d = SimpleNamespace(taille=taille, population=SimpleNamespace(year=2023), is_demo=lambda source: False)
    report = _plain(" ".join(taille_report(d)["paragraphs"]))  # type: ignore[arg-type]
    assert ("Financement annuel possible (montants de l'ACI du 20 juin 2019, hors révisions des avenants suivants ; "
            "mission de crise de l'avenant 2 de décembre 2021) : au moins 185 000 € (volets fixes et variables), au "
            "moins 220 000 € avec le volet supplémentaire de soins non programmés (35 000 €).") in report
    trame = _plain(word_taille_note(d))  # type: ignore[arg-type]
    assert ("au moins 185 000 €, au moins 220 000 € avec le volet supplémentaire de soins non programmés (sans le "
            "financement de : « Réponse aux crises sanitaires graves », montant non renseigné dans les sources du "
            "projet).") in trame
    assert "jusqu" not in report + trame and "modifié par l'avenant" not in report + trame
