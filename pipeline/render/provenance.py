"""French provenance lines of a diagnostic: which producer, file and year each table and figure comes from.

The ``sources`` table of the database records every loaded file (source
name, vintage, origin); these helpers turn it into the short French lines
printed under the report's tables and figures, in the « Lisez-moi » sheet of
the workbook and under the Word Trame's tables, so that every figure handed
to someone names its source and year.
"""

from __future__ import annotations

import pandas as pd

from pipeline.model.diagnostic import Diagnostic

DEMO_SUFFIX = " (données fictives de démonstration)"
#: Source names of the ``sources`` table.
REGISTRY, FINESS, APL, QPV, CONTOURS, ARRONDISSEMENTS, APPARTENANCE = (
    "annuaire-sante", "finess", "drees-apl", "ars-paca-zonage-qpv", "contours-communes",
    "contours-arrondissements-municipaux", "insee-appartenance")


def vintages(d: Diagnostic, source: str) -> list[str]:
    """Loaded vintages of ``source`` (oldest first), empty when it is not loaded."""
    frame = d.sources
    if frame is None or frame.empty or "source" not in frame:
        return []
    values = frame.loc[frame["source"] == source, "vintage"].dropna().astype(str)
    return sorted(dict.fromkeys(values))


def _day(vintage: str) -> str:
    """``2026-01-01`` -> ``01/01/2026``; other vintages unchanged."""
    try:
        return pd.Timestamp(vintage).strftime("%d/%m/%Y") if len(vintage) == 10 else vintage
    except ValueError:
        return vintage


def latest(d: Diagnostic, source: str) -> str | None:
    found = vintages(d, source)
    return found[-1] if found else None


#: Said after an extraction's date when no header or file name gave it (a reader would take it for the real one).
DEDUCED_DATE = " (date supposée : celle de la dernière modification du fichier, ni son en-tête ni son nom n'en donnant)"


def _extraction(d: Diagnostic, source: str) -> str:
    """« , extraction du 01/01/2026 » of the latest vintage of ``source`` (and whether that date was deduced)."""
    vintage = latest(d, source)
    if not vintage:
        return ""
    frame = d.sources
    deduced = "date_deduite" in frame and bool(
        frame.loc[(frame["source"] == source) & (frame["vintage"].astype(str) == vintage), "date_deduite"]
        .fillna(False).astype(bool).any())
    return f", extraction du {_day(vintage)}" + (DEDUCED_DATE if deduced else "")


def registry_line(d: Diagnostic) -> str:
    """« Annuaire Santé (RPPS/ADELI), extraction du 01/01/2026 » (+ demonstration warning)."""
    text = "Annuaire Santé (RPPS/ADELI)" + _extraction(d, REGISTRY)
    return text + (DEMO_SUFFIX if d.is_demo(REGISTRY) else "")


def finess_line(d: Diagnostic) -> str:
    text = "FINESS" + _extraction(d, FINESS)
    return text + (DEMO_SUFFIX if d.is_demo(FINESS) else "")


def population_line(d: Diagnostic) -> str:
    """« Insee, populations légales 2023 (géographie au 1er janvier 2026), via Etalab »."""
    return (f"Insee, populations légales {d.population.year} (géographie communale au 1er janvier "
            f"{d.population.cog}), découpage administratif Etalab")


def evolution_line(d: Diagnostic) -> str:
    years = [str(int(y)) for y in d.population.evolution["millesime"]] if len(d.population.evolution) else []
    span = f"{years[0]} à {years[-1]}" if len(years) > 1 else (years[0] if years else str(d.population.year))
    return f"Insee, populations légales {span} sur la géographie au 1er janvier {d.population.cog} (Etalab)"


def contours_line(d: Diagnostic) -> str:
    years = vintages(d, CONTOURS)
    text = "IGN Admin Express COG" + (f" {years[-1]}" if years else "") + " (surfaces et contours)"
    if vintages(d, ARRONDISSEMENTS) and (d.units["type"] == "arrondissement-municipal").any():
        text += f", IGN contours des arrondissements municipaux {latest(d, ARRONDISSEMENTS)}"
    return text


def apl_line(d: Diagnostic) -> str:
    vintage = latest(d, APL)
    return "DREES, accessibilité potentielle localisée (APL) aux médecins généralistes" + (
        f" {vintage}" if vintage else "")


def qpv_line(d: Diagnostic) -> str:
    vintage = latest(d, QPV)
    return "ARS PACA, zonage des médecins généralistes par QPV" + (f" {vintage}" if vintage else "")


def appartenance_line(d: Diagnostic) -> str:
    vintage = latest(d, APPARTENANCE)
    return "Insee, table d'appartenance géographique des communes" + (f" {vintage}" if vintage else "")


def listings_line(d: Diagnostic) -> str:
    """« Listes de CPTS chargées (paca, chargée le 02/12/2026) » — a listing has no vintage but its load date."""
    frame = d.sources
    if frame is None or frame.empty:
        return "Listes de CPTS chargées"
    rows = frame[frame["source"].astype(str).str.startswith("cpts:")]
    parts = []
    for row in rows.itertuples():
        name = str(row.source).partition(":")[2]
        loaded = pd.Timestamp(row.loaded_at).strftime("%d/%m/%Y") if pd.notna(row.loaded_at) else ""
        parts.append(f"{name}, chargée le {loaded}" if loaded else name)
    return "Listes de CPTS chargées" + (f" ({' ; '.join(parts)})" if parts else " (aucune)")


def aci_line(d: Diagnostic) -> str:
    return f"Accord conventionnel interprofessionnel des CPTS ({d.taille.version_label})"


def model_line(d: Diagnostic) -> str:
    """Where the flows come from (a real table or the tool's model) and the registry behind them."""
    if d.flows is not None and d.flows.real:
        return f"{d.flows.origin} ; {registry_line(d)}"
    return f"Modèle gravitaire de l'outil (flux modélisés) sur l'{registry_line(d)} et les populations légales"


def access_line(d: Diagnostic) -> str:
    """Where the « APL approchée » comes from: the tool's own E2SFCA, never the DREES APL."""
    return (f"APL approchée calculée par l'outil (accessibilité à deux étapes E2SFCA, paliers de distance de la "
            f"DREES) sur l'{registry_line(d)} et les populations légales {d.population.year}")


def join(*lines: str) -> str:
    return " ; ".join(line for line in lines if line)


__all__ = [
    "access_line",
    "aci_line",
    "apl_line",
    "appartenance_line",
    "contours_line",
    "evolution_line",
    "finess_line",
    "join",
    "latest",
    "listings_line",
    "model_line",
    "population_line",
    "qpv_line",
    "registry_line",
    "vintages",
]
