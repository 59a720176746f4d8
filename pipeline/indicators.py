"""Territory indicators: population and its evolution, density, supply, APL, representativeness.

Pure functions over DataFrames; :mod:`pipeline.diagnostic` reads the inputs
from DuckDB and writes the outputs.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from pipeline.errors import DataError

APL_UNDER_SERVED = 2.5  # DREES: below 2.5 consultations/visits per inhabitant per year

TRAME_GROUPS = [
    "Médecins généralistes",
    "Médecins spécialistes",
    "Infirmiers",
    "Pharmaciens",
    "Masseurs-kinésithérapeutes",
    "Biologistes",
    "Sages-femmes",
    "Orthophonistes",
    "Orthoptistes",
    "Chirurgiens-dentistes",
    "Pédicures-podologues",
    "Psychologues",
    "Autres",
]

# Words a CPTS secretary types for a profession -> Trame group.
PROFESSION_SYNONYMS: dict[str, str] = {
    "medecin generaliste": "Médecins généralistes", "generaliste": "Médecins généralistes",
    "mg": "Médecins généralistes", "medecine generale": "Médecins généralistes",
    "medecin specialiste": "Médecins spécialistes", "specialiste": "Médecins spécialistes",
    "infirmier": "Infirmiers", "infirmiere": "Infirmiers", "ide": "Infirmiers", "idel": "Infirmiers",
    "pharmacien": "Pharmaciens", "pharmacienne": "Pharmaciens",
    "masseur kinesitherapeute": "Masseurs-kinésithérapeutes", "kinesitherapeute": "Masseurs-kinésithérapeutes",
    "kine": "Masseurs-kinésithérapeutes", "mk": "Masseurs-kinésithérapeutes",
    "biologiste": "Biologistes", "sage femme": "Sages-femmes", "orthophoniste": "Orthophonistes",
    "orthoptiste": "Orthoptistes", "chirurgien dentiste": "Chirurgiens-dentistes", "dentiste": "Chirurgiens-dentistes",
    "pedicure podologue": "Pédicures-podologues", "podologue": "Pédicures-podologues",
    "psychologue": "Psychologues",
}


def _key(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]+", " ", ascii_text).strip()


def profession_group(text: str) -> str | None:
    """Map a free-text profession to a Trame group (plural forms and accents tolerated)."""
    key = _key(text)
    for group in TRAME_GROUPS:
        if key == _key(group):
            return group
    singular = " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in key.split())
    return PROFESSION_SYNONYMS.get(key) or PROFESSION_SYNONYMS.get(singular)


def evolution(population_by_vintage: pd.Series) -> pd.DataFrame:
    """Population of each vintage with absolute change and annual rate since the first.

    The annual rate between vintages ``a`` and ``b`` is ``(P_b / P_a) ** (1 / (b - a)) - 1``.
    """
    series = population_by_vintage.dropna().sort_index().astype("float64")
    if series.empty:
        return pd.DataFrame(columns=["millesime", "population", "evolution", "taux_annuel_pct"])
    first_year, first = int(series.index[0]), float(series.iloc[0])
    rows = []
    for year, value in series.items():
        span = int(year) - first_year
        rate = ((value / first) ** (1 / span) - 1) * 100 if span > 0 and first > 0 else np.nan
        rows.append({"millesime": int(year), "population": int(value), "evolution": int(value - first),
                     "taux_annuel_pct": rate})
    return pd.DataFrame(rows)


def annual_rate(population_by_vintage: pd.Series) -> float:
    frame = evolution(population_by_vintage)
    return float(frame["taux_annuel_pct"].iloc[-1]) if len(frame) > 1 else float("nan")


def density(population: float, area_km2: float) -> float:
    return population / area_km2 if area_km2 > 0 else float("nan")


def weighted_apl(apl: pd.DataFrame, codes: list[str] | None = None) -> float:
    """Population-weighted APL (weights: the sheet's total population), as DREES aggregates it."""
    frame = apl if codes is None else apl[apl["code"].isin(codes)]
    frame = frame.dropna(subset=["apl", "population_totale"])
    weight = frame["population_totale"].sum()
    return float((frame["apl"] * frame["population_totale"]).sum() / weight) if weight > 0 else float("nan")


def supply_by_group(offre: pd.DataFrame, codes: list[str] | None, population: float) -> pd.DataFrame:
    """Head counts, practitioner shares and density per 10 000 inhabitants, per Trame group.

    ``offre`` has one row per commune × groupe × … with ``effectif`` (practitioners
    having a site there) and ``etp_sites`` (each practitioner's share, summing to 1
    over their sites). A practitioner with sites in two communes of the territory
    counts once in ``praticiens`` (sum of shares), twice in ``effectif`` summed
    over communes; ``effectif`` is therefore reported per commune only.
    """
    frame = offre if codes is None else offre[offre["commune"].isin(codes)]
    grouped = frame.groupby("groupe").agg(praticiens=("etp_sites", "sum"), sites=("effectif", "sum"))
    grouped = grouped.reindex(TRAME_GROUPS).fillna(0.0)
    grouped["densite_10000"] = grouped["praticiens"] / population * 10_000 if population > 0 else np.nan
    return grouped.reset_index().rename(columns={"index": "groupe"})


def supply_split(offre: pd.DataFrame, codes: list[str], column: str) -> pd.DataFrame:
    """Practitioner shares per groupe × ``column`` (``recours`` or ``mode``)."""
    frame = offre[offre["commune"].isin(codes)]
    # Professions seed 000 does not classify have no recours: show them rather than drop them.
    frame = frame.assign(**{column: frame[column].fillna("non classé").replace("", "non classé")})
    table = frame.pivot_table(index="groupe", columns=column, values="etp_sites", aggfunc="sum", fill_value=0.0)
    return table.reindex([g for g in TRAME_GROUPS if g in table.index])


def representativeness(adherents: pd.DataFrame, territory_supply: pd.DataFrame) -> pd.DataFrame:
    """Members of the CPTS per profession against the territory's professionals (Trame table).

    ``adherents`` has a ``groupe`` column (see :func:`read_adherents`);
    ``territory_supply`` is :func:`supply_by_group` output.
    """
    counts = adherents.groupby("groupe").size().rename("adherents")
    table = territory_supply.set_index("groupe")[["praticiens"]].join(counts, how="outer").fillna(0)
    table = table.reindex([g for g in TRAME_GROUPS if g in table.index])
    table["part_adherents_pct"] = np.where(
        table["praticiens"] > 0, table["adherents"] / table["praticiens"] * 100, np.nan
    )
    table["adherents"] = table["adherents"].astype(int)
    return table.reset_index().rename(columns={"index": "groupe"})


def read_adherents(path: str) -> pd.DataFrame:
    """Read the CPTS members CSV (column ``profession``, optional ``rpps``); collect every bad line."""
    from pathlib import Path

    from pipeline.sources.tabular import read_csv_checked

    frame = read_csv_checked(Path(path), required=["profession"])
    groups = frame["profession"].fillna("").map(profession_group)
    bad = [f"ligne {i + 2} : profession inconnue « {p} »" for i, (p, g) in
           enumerate(zip(frame["profession"].fillna(""), groups, strict=True)) if pd.isna(g)]
    if bad:
        raise DataError(
            "Professions non reconnues (attendu l'un des groupes de la Trame : "
            + ", ".join(TRAME_GROUPS) + ") :\n  - " + "\n  - ".join(bad[:30]), path)
    frame["groupe"] = groups
    if "rpps" in frame.columns:
        duplicated = frame["rpps"].notna() & frame["rpps"].duplicated()
        if duplicated.any():
            lines = ", ".join(str(i + 2) for i in frame.index[duplicated][:20])
            raise DataError(f"Adhérents en double (même RPPS) lignes {lines}", path)
    return frame
