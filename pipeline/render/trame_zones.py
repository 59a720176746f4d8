"""The Word Trame's comparisons with every département and région of a territory that spans several.

The report compares such a territory with each of its départements and régions; the Trame's supply and APL
tables name the main ones only (a review saw a territory of Haute-Savoie and of the Alpes-de-Haute-Provence
compared with Haute-Savoie alone): these blocks add the other areas, as the report's tables give them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.table_spec import Column, TableSpec


def spans_several_areas(d: Diagnostic) -> bool:
    """Whether the territory lies in more than one département (its zones: itself, the areas, France)."""
    return d.areas is not None and int((d.areas.zones["niveau"] == "departement").sum()) > 1


def zone_supply_block(d: Diagnostic, specs: Mapping[str, TableSpec]) -> list[TableSpec]:
    """Densities of every département and région of the territory, one column per area."""
    if not spans_several_areas(d) or "offre_par_zone" not in specs:
        return []
    spec = specs["offre_par_zone"]
    long = spec.frame
    labels = list(long["libelle"].drop_duplicates())
    wide = long.pivot_table(index="groupe", columns="libelle", values="densite_10000", aggfunc="first", dropna=False)
    order = [g for g in long["groupe"].drop_duplicates() if g in wide.index]
    wide = wide.reindex(index=order, columns=labels).reset_index()
    wide.columns = ["groupe", *[f"zone_{i}" for i in range(len(labels))]]
    columns = [Column("groupe", "Profession", "text"),
               *[Column(f"zone_{i}", label, "decimal", 1) for i, label in enumerate(labels)]]
    return [TableSpec(key=spec.key, title="Densité de professionnels (pour 10 000 habitants) dans chaque département "
                      "et région du territoire", frame=wide, columns=columns, source=spec.source,
                      note="Effectifs distincts de professionnels ayant un lieu d'exercice dans la zone, rapportés à "
                           "sa population légale.", demo=spec.demo)]


def zone_apl_block(d: Diagnostic, specs: Mapping[str, TableSpec]) -> list[TableSpec]:
    """The latest APL of the territory and of each of its départements and régions."""
    if not spans_several_areas(d) or "apl_zones" not in specs:
        return []
    spec = specs["apl_zones"]
    frame: pd.DataFrame = spec.frame
    latest = frame[frame["annee"] == frame["annee"].max()]
    names = ("libelle", "apl", "apl_moins_65", "population_sous_seuil", "part_sous_seuil_pct")
    # Two decimals, as the Trame's APL table above it and the report give the APL.
    columns = [dataclasses.replace(c, decimals=2) if c.name in ("apl", "apl_moins_65") else c
               for name in names for c in spec.columns if c.name == name]
    return [TableSpec(key=spec.key, title=f"APL {int(latest['annee'].iloc[0])} du territoire et de chacun de ses "
                      "départements et régions", frame=latest, columns=columns, source=spec.source, note=spec.note,
                      demo=spec.demo)]
