"""The comparison page: one self-contained HTML file (Leaflet inlined, data as JSON, no network)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from pipeline import config
from pipeline.errors import PipelineError
from pipeline.geography import WGS84
from pipeline.model.perimeter import BORDERING, FIGURES, PARTIAL, PARTS, REACH, UNKNOWN_NEIGHBOURS, Comparison
from pipeline.render.french_typography import french_spaces
from pipeline.render.offline import inline_assets
from pipeline.render.report import DEMO_BANNER, format_date, format_number

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Perimeters are simplified to this many degrees (about 100 m) and rounded to 5 decimals (1 m).
SIMPLIFY_DEG = 0.001

#: Figure -> (French label, decimals, share shown as a percentage).
FIGURE_LABELS: dict[str, tuple[str, int, bool]] = {
    "population": ("Population", 0, False),
    "densite_medecins_generalistes": ("Médecins généralistes pour 10 000 hab.", 1, False),
    "densite_infirmiers": ("Infirmiers pour 10 000 hab.", 1, False),
    "densite_masseurs_kinesitherapeutes": ("Masseurs-kinésithérapeutes pour 10 000 hab.", 1, False),
    "densite_pharmaciens": ("Pharmaciens pour 10 000 hab.", 1, False),
    "densite_chirurgiens_dentistes": ("Chirurgiens-dentistes pour 10 000 hab.", 1, False),
    "densite_sages_femmes": ("Sages-femmes pour 10 000 hab.", 1, False),
    "apl_2023": ("APL médecins généralistes 2023 (DREES)", 2, False),
    "auto_confinement": ("Auto-confinement des recours aux généralistes", 1, True),
    "population_partagee": ("Population partagée avec une autre CPTS", 0, False),
    "population_non_couverte_proche": ("Population non couverte limitrophe", 0, False),
}
NOTE = ("Rang : place de la CPTS (1 = valeur la plus élevée) parmi les CPTS de la même taille ACI et du même type "
        "de territoire (classe d'aire d'attraction des villes 2020 regroupant la plus grande part de la "
        "population). Auto-confinement : part des recours modélisés des habitants aux médecins généralistes "
        "réalisés dans le territoire. Population non couverte limitrophe : habitants des communes qui touchent le "
        "périmètre et qu'aucune CPTS des listes chargées ne revendique, dans les régions que ces listes couvrent "
        "(une commune d'une autre région n'est pas comptée : sa liste n'est pas chargée). Type « non disponible » "
        "(la plus grande part de la population est dans une aire d'attraction transfrontalière, dont la classe "
        "n'est pas publiée, ou dans des départements non chargés dans la base) : CPTS sans groupe de comparaison, "
        "donc sans rang.")
#: What the page's controls do (the page only: the workbook has no map to click).
PAGE_HELP = "Cliquer un en-tête trie le tableau ; cliquer une CPTS sur la carte montre sa ligne."


def _number(value: Any) -> float | int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, int | float):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _geometry(comparison: Comparison) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    if comparison.shapes is not None:
        shapes = comparison.shapes.to_crs(WGS84)
        for anchor, geometry in zip(shapes["ancre"], shapes.geometry, strict=True):
            if geometry is None or geometry.is_empty:
                continue
            simple = shapely.set_precision(geometry.simplify(SIMPLIFY_DEG, preserve_topology=True), 1e-5)
            features.append({"type": "Feature", "properties": {"ancre": str(anchor)},
                             "geometry": shapely.geometry.mapping(simple)})
    return {"type": "FeatureCollection", "features": features}


def sources_line(demo: bool, populations: str) -> str:
    """The « Sources : … » line of a batch's comparison (``demo``: the registry is the demonstration one;
    ``populations``: the years of its legal populations, « population légale 2023, 2017 pour Mayotte »)."""
    registry = "Annuaire Santé" + (" (données fictives de démonstration)" if demo else "")
    return (f"Sources : Insee/Etalab (COG {config.CURRENT_VINTAGE}, {populations}, aires d'attraction des villes "
            f"2020), IGN Admin "
            f"Express COG 2018, DREES (APL 2023), {registry}, listes de CPTS chargées ; auto-confinement issu des "
            "recours modélisés (modèle de Huff).")


def _partial(record: dict[str, Any]) -> bool:
    """Whether a row's CPTS has communes beyond the load (a count above 0, or unknown: a drawn part there)."""
    if PARTIAL not in record:
        return False
    count = pd.to_numeric(pd.Series([record[PARTIAL]]), errors="coerce").iloc[0]
    return bool(pd.isna(count) or count > 0)


def _partial_note(table: pd.DataFrame) -> str:
    """Which CPTS have communes outside the départements of the database (partial figures, not ranked)."""
    if PARTIAL not in table:
        return ""
    counts = pd.to_numeric(table[PARTIAL], errors="coerce")
    partial = table[counts.isna() | (counts > 0)]
    if partial.empty:
        return ""
    names = ", ".join(f"{r.cpts} ({int(n)} commune{'s' if n > 1 else ''})" if pd.notna(n := getattr(r, PARTIAL))
                      else f"{r.cpts} (périmètre dessiné en partie hors des départements chargés)"
                      for r in partial.itertuples())
    has, figures, ranked = (("a", "ses", "elle n'est pas classée") if len(partial) == 1
                            else ("ont", "leurs", "elles ne sont pas classées"))
    return (f"Base limitée à certains départements : {format_number(len(partial))} CPTS {has} des communes hors "
            f"des départements chargés, non comptées ; {figures} chiffres sont partiels, sauf la taille, établie sur "
            f"la population entière (COG), et {ranked} : {names}. ")


def _named(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows whose ``column`` names départements or units (« 05, 83 »; empty or missing otherwise)."""
    if column not in table:
        return table.iloc[:0]
    return table[table[column].map(lambda v: isinstance(v, str) and v != "")]


def _reach_note(table: pd.DataFrame) -> str:
    """Which CPTS have their self-containment overestimated: the flow model reaches départements not loaded."""
    reaching = _named(table, REACH)
    if reaching.empty:
        return ""
    departements = sorted({d for value in reaching[REACH] for d in str(value).split(", ") if d})
    return (f"Auto-confinement surestimé, et non classé, pour {format_number(len(reaching))} CPTS : le modèle de "
            f"flux atteint des communes de départements non chargés dans la base ({', '.join(departements)}), dont "
            "il ne voit ni les "
            "habitants ni les professionnels (chargez-les aussi avec make data DEPARTEMENTS=…). ")


def _bordering_note(table: pd.DataFrame) -> str:
    """Which CPTS touch communes of their région that the database does not hold (uncovered neighbours unknown)."""
    touching = _named(table, BORDERING)
    if touching.empty:
        return ""
    return (f"Population non couverte limitrophe non disponible pour {format_number(len(touching))} CPTS qui "
            f"{'touche' if len(touching) == 1 else 'touchent'} des communes "
            "non chargées de leur région : " + ", ".join(f"{r.cpts} ({getattr(r, BORDERING)})"
                                                           for r in touching.itertuples()) + ". ")


def _unknown_neighbours_note(table: pd.DataFrame) -> str:
    """Which CPTS border units of unknown coverage (no loaded listing tells it there)."""
    if UNKNOWN_NEIGHBOURS not in table:
        return ""
    bordering = _named(table, UNKNOWN_NEIGHBOURS)
    if bordering.empty:
        return ""
    return (f"Population non couverte limitrophe non disponible pour {format_number(len(bordering))} CPTS qui "
            f"{'touche' if len(bordering) == 1 else 'touchent'} des unités "
            "non revendiquées d'un département dont les listes chargées ne disent pas la couverture : "
            + ", ".join(f"{r.cpts} ({getattr(r, UNKNOWN_NEIGHBOURS)})" for r in bordering.itertuples()) + ". ")


def _parts_note(table: pd.DataFrame) -> str:
    """Which CPTS have a perimeter in several separate parts (an island, an enclave or a mistyped listing code)."""
    if PARTS not in table:
        return ""
    counts = pd.to_numeric(table[PARTS], errors="coerce")
    several = table[counts > 1]
    if several.empty:
        return ""
    names = ", ".join(f"{r.cpts} ({int(getattr(r, PARTS))} parties)" for r in several.itertuples())
    has = "a un périmètre" if len(several) == 1 else "ont un périmètre"
    return (f"{format_number(len(several))} CPTS {has} en plusieurs parties séparées de plus de 50 m (île, enclave "
            f"ou code erroné de la liste, à vérifier ; voir la section « Pertinence du périmètre » de chaque "
            f"rapport) : {names}. ")


def _shared_note(comparison: Comparison) -> str:
    """Which listings the shared population counts, when several are loaded (a review: a second version of the
    listing loaded beside it made every CPTS « share » all its population with its twin, without a word)."""
    if len(comparison.listings) < 2:
        return ""
    return ("Population partagée avec une autre CPTS : celles de toutes les listes chargées ("
            + ", ".join(f"« {name} »" for name in comparison.listings) + ") ; deux versions d'une même liste "
            "chargées ensemble font partager à chaque CPTS sa population avec son double. ")


def _not_loaded_note(comparison: Comparison) -> str:
    """The CPTS of the listing (or of the région) that have no commune in the database (not diagnosed)."""
    if not comparison.not_loaded:
        return ""
    has, diagnosed = (("n'a", "n'est pas diagnostiquée") if len(comparison.not_loaded) == 1
                      else ("n'ont", "ne sont pas diagnostiquées"))
    where = "de la région" if comparison.by_region else "de la liste"
    return (f"{format_number(len(comparison.not_loaded))} CPTS {where} {has} aucune commune chargée dans la base "
            f"(départements non chargés, ou périmètre dessiné hors d'eux) et {diagnosed} : "
            f"{', '.join(comparison.not_loaded)}. ")


def payload(comparison: Comparison, generated: Any) -> dict[str, Any]:
    """The JSON the page reads: ``meta``, ``figures`` (key, label, decimals, percent), ``rows``
    (cpts, liste, ancre, rapport, taille, type_territoire, groupe_comparaison, parties_du_perimetre, partiel,
    communes_hors_base, values, ranks), ``failures``,
    ``geo`` (GeoJSON of the perimeters, property ``ancre``)."""
    table = comparison.table
    rows = []
    for record in table.to_dict("records"):
        rows.append({
            "cpts": str(record["cpts"]), "liste": str(record["liste"]), "ancre": str(record["ancre"]),
            "rapport": f"../{record['slug']}/rapport.html",
            "taille": str(record["taille"]), "type_territoire": str(record["type_territoire"]),
            "groupe_comparaison": _number(record.get("groupe_comparaison")),
            "parties_du_perimetre": _number(record.get(PARTS)),
            # Communes beyond the load (or a drawn part there): its figures are partial, not mapped with the others.
            "partiel": _partial(record),
            # Listed communes outside the load (None: unknown, a drawn part there): the partial population's title.
            PARTIAL: _number(record.get(PARTIAL)),
            "values": {f: _number(record.get(f)) for f in FIGURES},
            "ranks": {f: _number(record.get(f"rang_{f}")) for f in FIGURES},
            "ranked": {f: _number(record.get(f"classees_{f}")) for f in FIGURES},
        })
    title = comparison.labels.get("titre", "Comparaison des CPTS")
    n_failed = len(comparison.failures)
    meta = {
        "titre": title,
        "sous_titre": f"{format_number(len(rows))} CPTS calculées"
                      + (f", {format_number(n_failed)} en échec" if n_failed else "")
                      + f" — document généré le {format_date(generated)}",
        "demo": comparison.demo, "bandeau": DEMO_BANNER,
        "note": (f"{NOTE} {_partial_note(table)}{_reach_note(table)}{_bordering_note(table)}"
                 f"{_unknown_neighbours_note(table)}{_parts_note(table)}{_not_loaded_note(comparison)}"
                 f"{_shared_note(comparison)}{PAGE_HELP}"),
        "sources": comparison.sources or (
            f"Sources : Insee/Etalab (COG {config.CURRENT_VINTAGE}, populations légales "
            f"{config.POPULATION_YEAR[config.CURRENT_VINTAGE]}), IGN Admin Express COG 2018, DREES (APL 2023), "
            "Annuaire Santé, listes de CPTS chargées ; recours modélisés."),
    }
    # French typography on the page's prose (as in the report): no colon or guillemet alone at a line's start.
    return {
        "meta": {key: french_spaces(value) if isinstance(value, str) else value for key, value in meta.items()},
        "figures": [{"key": f, "label": french_spaces(FIGURE_LABELS[f][0]), "decimals": FIGURE_LABELS[f][1],
                     "percent": FIGURE_LABELS[f][2]} for f in FIGURES],
        "rows": rows,
        "failures": [{**failure, "erreur": french_spaces(str(failure["erreur"]))}
                     for failure in comparison.failures.to_dict("records")],
        "geo": _geometry(comparison),
    }


def _script_safe(code: str) -> str:
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def render_page(data: dict[str, Any]) -> str:
    """The self-contained HTML page of a :func:`payload`."""
    template = (TEMPLATES / "comparison.html").read_text(encoding="utf-8")
    parts = {
        "{{CSS}}": (TEMPLATES / "comparison.css").read_text(encoding="utf-8").replace("</style", "<\\/style"),
        "{{JS}}": _script_safe((TEMPLATES / "comparison.js").read_text(encoding="utf-8")),
        "{{TITLE}}": html.escape(str(data["meta"]["titre"])).replace("{", "&#123;").replace("}", "&#125;"),
    }
    for key, value in parts.items():
        if key not in template:
            raise PipelineError(f"Gabarit de la comparaison incomplet : {key} absent", TEMPLATES / "comparison.html")
        template = template.replace(key, value)
    page = inline_assets(template)
    head, marker, tail = page.partition("{{DATA}}")
    if not marker:
        raise PipelineError("Gabarit de la comparaison incomplet : {{DATA}} absent", TEMPLATES / "comparison.html")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return head + text + tail
