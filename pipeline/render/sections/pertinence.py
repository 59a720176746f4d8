"""Report section « Pertinence du périmètre » (seed 003 §6.1, « territoire vécu »)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.geography import city_of_arrondissement
from pipeline.model.coverage import unknown_coverage_why
from pipeline.model.diagnostic import Diagnostic, PertinenceSection
from pipeline.render.report import format_number
from pipeline.render.sections.common import DEMO_WARNING, REGISTRY_SOURCE, agree, plural, reservations
from pipeline.render.sections.display import NOT_AVAILABLE, cell

TITLE = "Pertinence du périmètre"

#: The instruction's words (seed 003, §6.1 « La pertinence du territoire »), quoted by the section.
INSTRUCTION_QUOTE = (
    "L'instruction DGOS/CNAM (§ 6.1, « La pertinence du territoire ») : « Le territoire pertinent d'une CPTS "
    "est avant tout le “territoire vécu” et qui a du sens pour les professionnels de santé et la population : il "
    "se définit en fonction de l'envie des acteurs de travailler ensemble et en cohérence avec les parcours "
    "effectifs des patients. » Le directeur général de l'ARS peut s'opposer au projet de santé en se fondant sur "
    "« la pertinence du territoire d'action » (article L. 1434-12 du code de la santé publique)."
)

#: A candidate whose département no loaded listing speaks for: its CPTS are unknown, not « aucune ».
UNKNOWN_CLAIMS = f"{NOT_AVAILABLE} ({unknown_coverage_why()})"

#: Communes named, outside the main part, before « et N autres communes ».
PARTS_NAMED = 10

COMPARISON_TEXT = "Comparer ce territoire aux autres CPTS de la liste (tableau de comparaison)"


def percent(value: float) -> str:
    """A share (0–1) as « 69,4 % » (« 50 % » when whole), « non disponible » when missing."""
    if pd.isna(value):
        return NOT_AVAILABLE
    # A narrow no-break space, as every other figure of the report: « 88,2 / % » broke across lines.
    return format_number(value * 100, 0 if float(value * 100).is_integer() else 1, unit="%")


def _containment_reason(p: PertinenceSection) -> str:
    """Why the self-containment is missing (no served consultation of the residents, or none outside)."""
    if p.residents_unknown is not None:
        return p.residents_unknown
    if p.kind == "table":
        return "aucun recours des habitants du territoire dans la table de flux fournie"
    if p.unserved_volume > 0:
        return ("aucun recours des habitants du territoire n'est servi : aucune offre de médecins généralistes dans le "
                "rayon du modèle")
    return "aucun recours modélisé pour les habitants du territoire (population inconnue ou nulle)"


def _figures(p: PertinenceSection) -> list[dict[str, Any]]:
    if not p.available:
        return [{"label": label, "value": NOT_AVAILABLE} for label in (
            "Auto-confinement (médecins généralistes)", "Communes candidates à l'ajout", "Communes à examiner")]
    known = not pd.isna(p.self_containment)
    # Candidates computed without the residents' figures (their leaks unknown): « 0 » candidate is an answer.
    candidates_known = known or p.residents_unknown is not None
    return [
        {"label": "Auto-confinement (médecins généralistes)", "value": percent(p.self_containment)},
        # Without a served consultation of the residents, « 0 » would be an answer that was not computed.
        {"label": "Communes candidates à l'ajout", "value": len(p.candidates) if candidates_known or len(p.candidates)
         else NOT_AVAILABLE},
        {"label": "Communes à examiner", "value": len(p.to_examine) if known or len(p.to_examine)
         else NOT_AVAILABLE},
        {"label": "Auto-confinement avec les candidates", "value": percent(p.self_containment_with_candidates)},
        {"label": "Population avec les candidates", "value": cell(p.population_with_candidates)},
    ]


def _method(p: PertinenceSection) -> str:
    source = ("des recours de la table origine-destination fournie" if p.kind == "table" else
              "des recours aux médecins généralistes modélisés (modèle de Huff, mêmes paramètres que la section "
              "« Flux de patients », calculés sur les unités d'analyse : arrondissements à Paris, Lyon et Marseille)")
    return (f"Cette section mesure la cohérence du périmètre avec les parcours des patients à partir {source}. "
            f"Une commune hors du territoire est candidate à l'ajout quand au moins "
            f"{percent(p.candidate_min_share)} des recours de ses habitants sont réalisés dans le territoire ; une "
            f"commune du territoire est à examiner quand moins de {percent(p.examine_below_share)} des recours de ses "
            "habitants y restent (seuils du fichier de paramètres). Ce sont des pistes de discussion pour l'équipe "
            "projet et l'ARS, pas des décisions.")


def _candidates(p: PertinenceSection) -> dict[str, Any]:
    frame = p.candidates.assign(share_into_perimeter=p.candidates["share_into_perimeter"] * 100)
    frame = frame.assign(claimed_by=frame["claimed_by"].replace("", "aucune").fillna(UNKNOWN_CLAIMS))
    frame = frame[["code", "nom", "population", "share_into_perimeter", "volume_into_perimeter", "claimed_by"]]
    frame.columns = ["Code INSEE", "Commune", "Population", "Part des recours vers le territoire (%)",
                     "Recours annuels vers le territoire", "Autre CPTS revendiquant la commune"]
    return {"title": "Communes candidates à l'ajout", "data": frame,
            "decimals": {"Population": 0, "Part des recours vers le territoire (%)": 1,
                         "Recours annuels vers le territoire": 0}}


def _to_examine(p: PertinenceSection) -> dict[str, Any]:
    frame = p.to_examine.assign(share_inside=p.to_examine["share_inside"] * 100,
                                main_destination_share=p.to_examine["main_destination_share"] * 100)
    frame = frame[["code", "nom", "population", "share_inside", "main_destination", "main_destination_nom",
                   "main_destination_share"]]
    frame.columns = ["Code INSEE", "Commune", "Population", "Part des recours dans le territoire (%)",
                     "Principale destination (code)", "Principale destination",
                     "Part des recours vers cette destination (%)"]
    return {"title": "Communes du territoire à examiner", "data": frame,
            "decimals": {"Population": 0, "Part des recours dans le territoire (%)": 1,
                         "Part des recours vers cette destination (%)": 1}}


def _cut_zones(p: PertinenceSection) -> dict[str, Any]:
    frame = p.cut_zones[["level", "zone", "nom", "n_units_in", "n_units_out", "population_in", "population_out",
                         "units_out"]].copy()
    frame.columns = ["Zonage", "Code", "Nom", "Communes dans le territoire", "Communes hors du territoire",
                     "Population dans le territoire", "Population hors du territoire", "Communes hors (codes)"]
    return {"title": "Bassins de vie et EPCI coupés par le périmètre", "data": frame,
            "decimals": {c: 0 for c in frame.columns[3:7]},
            "note": "Communes comptées en unités d'analyse (arrondissements à Paris, Lyon et Marseille), dans toute "
                    "la France : une zone qui déborde des départements chargés dans la base compte aussi ses "
                    "communes non chargées, dont la population n'est pas connue ici."}


def _noun(units: pd.DataFrame) -> tuple[str, str]:
    """(singular, plural) naming ``units``: arrondissements are no communes (a review read « 1 commune du
    territoire » for Paris 12e), and a mix of both is of units."""
    parts = [city_of_arrondissement(str(code)) is not None for code in units.get("code", pd.Series(dtype=str))]
    if parts and all(parts):
        return "arrondissement", "arrondissements"
    return ("unité", "unités") if any(parts) else ("commune", "communes")


def _summary(p: PertinenceSection) -> list[str]:
    """The paragraphs of the figures: nothing is asserted that was not computed."""
    if pd.isna(p.self_containment):
        summary = (f"Auto-confinement du périmètre : {NOT_AVAILABLE} ({_containment_reason(p)}) ; les communes du "
                   "territoire à examiner ne peuvent pas être repérées. ")
    else:
        summary = (f"Auto-confinement du périmètre : {percent(p.self_containment)} des recours de ses habitants sont "
                   "réalisés dans le territoire. ")
    if n := len(p.candidates):
        adding = agree(n, "l'ajoutant", "les ajoutant")
        summary += (f"{plural(n, *_noun(p.candidates))} hors du territoire y {agree(n, 'envoie', 'envoient')} au moins "
                    f"{percent(p.candidate_min_share)} des recours de {agree(n, 'ses', 'leurs')} habitants ; en "
                    + (f"{adding}, l'auto-confinement serait de {percent(p.self_containment_with_candidates)} pour "
                       if not pd.isna(p.self_containment_with_candidates) else
                       f"{adding}, le périmètre compterait ")
                    + f"{cell(p.population_with_candidates)} habitants"
                    + ("." if not pd.isna(p.self_containment_with_candidates) else
                       f" (auto-confinement {NOT_AVAILABLE})."))
    elif not pd.isna(p.self_containment) or p.residents_unknown is not None:
        summary += "Aucune commune hors du territoire n'y envoie l'essentiel des recours de ses habitants."
    paragraphs = [summary.strip()]
    if n := len(p.to_examine):
        paragraphs.append(f"{plural(n, *_noun(p.to_examine))} du territoire {agree(n, 'voit', 'voient')} moins de "
                          f"{percent(p.examine_below_share)} des recours de {agree(n, 'ses', 'leurs')} habitants "
                          f"réalisés dans le territoire : {agree(n, 'son', 'leur')} rattachement mérite d'être "
                          "discuté.")
    return paragraphs


def _cut_zones_paragraph(p: PertinenceSection) -> list[str]:
    if not len(p.cut_zones):
        return []
    bv = int((p.cut_zones["level"] != "EPCI").sum())
    epci = int((p.cut_zones["level"] == "EPCI").sum())
    return [f"Le périmètre traverse {plural(bv, 'bassin', 'bassins')} de vie et {epci} EPCI : ils ont des communes "
            "de part et d'autre de sa limite."]


def _parts_paragraph(p: PertinenceSection) -> list[str]:
    """Whether the perimeter is in one piece (said only for a perimeter of several units)."""
    parts = p.parts
    if p.beyond_the_load is not None:  # its communes beyond the load may join the loaded ones (the reason is above)
        return [f"Continuité du périmètre : {NOT_AVAILABLE} (ses communes hors des départements chargés dans la base "
                "n'y ont pas de contour)."]
    if len(parts) < 2:
        return []
    drawn = parts[parts["part"].notna()]
    unknown = parts[parts["part"].isna()]
    unplaced = ""
    if n := len(unknown):
        names = ", ".join(f"{row.nom} ({row.code})" for row in unknown.head(PARTS_NAMED).itertuples())
        unplaced = (f" {plural(n, 'unité')} sans contour ({names}) : {agree(n, 'sa', 'leur')} place, donc la "
                    f"continuité du périmètre entier, est {NOT_AVAILABLE}.")
    count = p.drawn_parts or 0
    if count <= 1:
        if len(drawn) < 2:
            return [f"Continuité du périmètre : {NOT_AVAILABLE}.{unplaced}"]
        which = "Les unités dessinées du périmètre forment" if len(unknown) else "Le périmètre forme"
        return [f"{which} un seul tenant : un ensemble continu, deux unités à moins de 50 m l'une de l'autre étant "
                f"voisines.{unplaced}"]
    main = drawn[drawn["part"] == 1]
    apart = drawn[drawn["part"] > 1]
    named = ", ".join(f"{row.nom} ({row.code}, partie {row.part}, {cell(row.population)} habitants)"
                      for row in apart.head(PARTS_NAMED).itertuples())
    if len(apart) > PARTS_NAMED:
        named += f" et {format_number(len(apart) - PARTS_NAMED)} autres communes"
    communes = "commune" if len(main) == 1 else "communes"
    return [f"Le périmètre est en {count} parties séparées de plus de 50 m : la principale compte "
            f"{format_number(len(main))} "
            f"{communes} et {cell(main['population'].sum(min_count=1))} habitants ; hors d'elle : {named}. Une île, "
            f"une enclave administrative ou un code erroné : à vérifier avec l'équipe projet.{unplaced}"]


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _notes(p: PertinenceSection) -> list[str]:
    """The section's own notes (the reason of an unavailable section is its paragraph already)."""
    return [_sentence(n) for n in p.notes if n and n not in (p.unavailable, p.residents_unknown)]


def pertinence_section(d: Diagnostic) -> dict[str, Any]:
    """The section's content (title, paragraphs, figures, tables, notes) for the report."""
    blocks: list[dict[str, Any]] = []
    if d.comparison_link:
        blocks.append({"type": "link", "href": d.comparison_link, "text": COMPARISON_TEXT})
    p = d.pertinence
    if p is None or not p.available:
        reason = "pertinence du périmètre non calculée" if p is None else str(p.unavailable)
        content: dict[str, Any] = {"title": TITLE, "blocks": blocks, "paragraphs": [
            INSTRUCTION_QUOTE, _sentence(reason), *(_parts_paragraph(p) if p is not None else [])]}
        if p is not None and len(p.cut_zones):
            # The zones cut come from the zonings alone: still true without the consultations.
            content["paragraphs"] += _cut_zones_paragraph(p)
            content["tables"] = [_cut_zones(p)]
        if p is not None and p.kind == "table":
            content["key_figures"] = _figures(p)
        notes = _notes(p) if p is not None else []
        if notes:
            content["notes"] = notes
        return content
    paragraphs = [INSTRUCTION_QUOTE, _method(p), *reservations(p.caveats), *_summary(p), *_parts_paragraph(p),
                  *_cut_zones_paragraph(p)]
    tables = [t for t, present in ((_candidates(p), len(p.candidates)), (_to_examine(p), len(p.to_examine)),
                                   (_cut_zones(p), len(p.cut_zones))) if present]
    notes = _notes(p)
    if p.units_without_flows:
        # Named, and why as the flows' origin allows it (a review read « rayon du modèle » for a FLUX= table).
        names = dict(zip(d.territory.units["unit_code"].astype(str), d.territory.units["nom"].astype(str),
                         strict=True))
        why = ("absentes de la table fournie, ou de volume nul" if p.kind == "table"
               else "aucun professionnel dans le rayon du modèle")
        notes.append(f"Unités du territoire sans recours servi ({why}) : "
                     + ", ".join(f"{names[c]} ({c})" if c in names else c for c in p.units_without_flows) + ".")
    if p.kind != "table" and d.is_demo(REGISTRY_SOURCE):
        notes.append(DEMO_WARNING)
    return {"title": TITLE, "paragraphs": paragraphs, "key_figures": _figures(p), "tables": tables,
            "blocks": blocks, "notes": notes}
