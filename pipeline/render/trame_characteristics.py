"""The Word Trame's « Caractéristiques de la population » blocks, and the table cutting the Trame's blocks share.

As the report's section 2 gives them: the age-related need, the income (with the units outside Filosofi's field
and those under statistical secrecy, said as the report says them) and the territory type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from pipeline.model.diagnostic import Diagnostic
from pipeline.render.docx import Block, Paragraph, SubHeading
from pipeline.render.report import format_number
from pipeline.render.sections.characteristics import income_coverage_paragraphs
from pipeline.render.table_spec import Column, TableSpec

SpecsByKey = Mapping[str, TableSpec]


def subset(spec: TableSpec, names: Sequence[str], title: str | None = None, frame: pd.DataFrame | None = None,
           note: str | None = None) -> TableSpec:
    """``spec`` cut to the columns ``names`` (those it has, in this order), optionally retitled or filtered."""
    columns = [c for name in names for c in spec.columns if c.name == name]
    return TableSpec(key=spec.key, title=title or spec.title, frame=spec.frame if frame is None else frame,
                     columns=columns, source=spec.source, note=spec.note if note is None else note,
                     sheet=spec.sheet, demo=spec.demo, empty=spec.empty)



def characteristics_blocks(d: Diagnostic, specs: SpecsByKey) -> list[Block]:
    """Age-related need, income and territory type, as the report's section 2 gives them."""
    blocks: list[Block] = []
    if d.age_need is not None and "besoin_age" in specs:
        blocks.append(SubHeading("Besoin de soins lié à l'âge"))
        blocks.append(Paragraph(d.age_need.explanation))
        blocks.append(subset(specs["besoin_age"], ["libelle", "indice_besoin_age", "population_standardisee",
                                                   "population_totale"]))
    if d.income is not None and "revenus" in specs:
        blocks.append(SubHeading("Revenus et précarité (INSEE, Filosofi 2019)"))
        if not d.income.available:
            reason = d.income.unavailable or "revenus non disponibles"
            blocks.append(Paragraph(reason[0].upper() + reason[1:] + "."))
        else:
            blocks.append(Paragraph(f"Méthode pour le territoire : {d.income.label}."))
            blocks.extend(Paragraph(text) for text in income_coverage_paragraphs(d))
            blocks.append(subset(specs["revenus"], ["libelle", "mediane", "d1", "d9", "part_minima_sociaux"]))
    if d.territory_type is not None and "type_territoire" in specs:
        # As the report gives them: the density in the text, the shares in %, not a table row without a share.
        spec = specs["type_territoire"]
        shares = spec.frame
        density = shares.loc[shares["dimension"] == "densité", "valeur"]
        blocks.append(SubHeading("Type de territoire (unité urbaine, aire d'attraction des villes, densité)"))
        if len(density) and density.iloc[0] == density.iloc[0]:
            blocks.append(Paragraph(f"Densité de population : {format_number(density.iloc[0], 1)} habitants "
                                    "par km²."))
        table = shares[shares["dimension"] != "densité"].assign(part_pct=lambda f: f["part_population"] * 100)
        blocks.append(dataclasses.replace(
            subset(spec, ["dimension", "categorie", "n_unites", "population"], frame=table),
            columns=[*subset(spec, ["dimension", "categorie", "n_unites", "population"]).columns,
                     Column("part_pct", "Part de la population (%)", "decimal", 1)]))
    return blocks
