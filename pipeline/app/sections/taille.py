"""Section « Taille et financement ACI »: the taille of the territory's population (seed 001) and its funding.

A CPTS of a listing may lie partly outside the départements the database was loaded for: its population is then
only that of its loaded communes, a lower bound. The taille it gives is kept only when no missing commune can
change it (taille 4 already, and 4++ already or out of reach); otherwise it is « non disponible », with the
lower bound said.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pipeline.analysis import aci
from pipeline.model.diagnostic import TailleSection
from pipeline.render.report import MISSING_WORDS, format_number


def taille_section(population: int, professionals: int | None, signature: date | None) -> TailleSection:
    """Taille and funding of ``population`` (``professionals``: the health professionals counted, for 4++)."""
    band = aci.size_band(population)
    known = aci.known_funding(band)
    return TailleSection(
        band=band, label=aci.size_label(population, professionals), bounds=aci.band_description(band),
        professionals=professionals, total_possible=known["total_possible"],
        volet_supplementaire=known["volet_supplementaire"], maximum=known["maximum"], version=aci.DEFAULT_VERSION,
        version_label=aci.VERSION_LABELS[aci.DEFAULT_VERSION], funding=aci.funding_for(band),
        missions_without_amount=list(aci.funding_totals(band)["missions_sans_montant"]),
        calendar=None if signature is None else aci.mission_calendar(signature).assign(
            texte=lambda f: f["texte"].map(aci.TEXT_LABELS).fillna(f["texte"])),
        signature=signature,
    )


def unknown_when_partial(taille: TailleSection, population: int, four_plus_plus_possible: bool,
                         missing: list[str]) -> TailleSection:
    """``taille`` of a territory whose population is only a lower bound: « non disponible » unless certain.

    ``four_plus_plus_possible``: whether more professionals could make a taille 4 a 4++ (a real registry; the
    demonstration supply never makes 4++, and no registry gives no count). ``missing``: the départements of
    its communes left out (empty for a drawn perimeter partly over no loaded commune).
    """
    # No professional counted (no registry loaded): 4++ is not established for the whole CPTS either.
    certain = taille.label == "4++" or (taille.band == 4 and (not four_plus_plus_possible
                                                             or taille.professionals is None))
    if certain or taille.band is None:
        return taille
    floor = taille.band if taille.band < 4 else "4"
    where = f" ({', '.join(missing)})" if missing else ""
    reason = (f"population du territoire entier non connue : une partie de ses communes est hors des départements "
              f"chargés dans la base{where} ; ses {format_number(population)} habitants chargés le placent au "
              f"moins en taille {floor}")
    return replace(taille, band=None, label=MISSING_WORDS, bounds=reason, total_possible=None,
                   volet_supplementaire=None, maximum=None, funding=taille.funding.iloc[0:0],
                   missions_without_amount=[], unknown_reason=reason)
