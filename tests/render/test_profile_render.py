"""Presentation of the profile sections: missing figures read « non disponible », qualitative map layers,
withheld densities of partial registries, « sans objet » cells of the structure rows."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd

from pipeline.model.profile import RegistryCoverageSection
from pipeline.render.maps.classes import NA_LABEL, categories
from pipeline.render.palette import NA_COLOR
from pipeline.render.sections.coverage import (
    coverage_display,
    limited_label,
    structures_display,
    structures_not_applicable,
)
from pipeline.render.sections.display import MAX_LISTED_WHOLE, NOT_AVAILABLE, TOP_LISTED_WHOLE, bounded, shown

NNBSP = "\u202f"


def test_missing_figures_read_non_disponible_never_zero() -> None:
    frame = pd.DataFrame({"zone": ["Territoire", "Mayotte"], "apl": [4.7345, math.nan],
                          "population": pd.array([12932, pd.NA], dtype="Int64"),
                          "sous_dense": pd.array([True, pd.NA], dtype="boolean")})
    out = shown(frame, {"apl": 2}, labels={"apl": "APL"})
    assert out["APL"].tolist() == ["4,73", NOT_AVAILABLE]
    assert out["population"].tolist() == [f"12{NNBSP}932", NOT_AVAILABLE]
    assert out["sous_dense"].tolist() == ["oui", NOT_AVAILABLE]


def test_qualitative_layer_one_fill_per_category() -> None:
    values = pd.Series(["hors unité urbaine", "dans une unité urbaine", None, "hors unité urbaine"], dtype=object)
    classes = categories(values)
    labels = [label for _, label in classes.legend]
    assert labels == ["dans une unité urbaine", "hors unité urbaine", NA_LABEL]
    assert classes.colors[0] == classes.colors[3] != classes.colors[1]
    assert classes.colors[2] == NA_COLOR and classes.classes.tolist() == [1, 0, -1, 1]


def test_withheld_densities_name_the_covered_departements() -> None:
    coverage = RegistryCoverageSection(departements=["04"], finess_departements=["04", "05"], complete=False,
                                       registry=pd.DataFrame(), finess=pd.DataFrame(), zones=pd.DataFrame())
    d = SimpleNamespace(registry_coverage=coverage)
    table = pd.DataFrame({
        "groupe": ["Médecins généralistes", "MSP"], "praticiens": pd.array([12, pd.NA], dtype="Int64"),
        "unite": ["professionnels", "structures"], "densite_10000": [9.2793, math.nan],
        "densite_departement": [11.1, math.nan], "densite_region": [math.nan, math.nan],
        "densite_france": [math.nan, math.nan]})
    out = coverage_display(d, table)  # type: ignore[arg-type]
    label = "non disponible (extraction limitée au département 04)"
    assert limited_label(["04"]) == label
    assert out["densite_region"].tolist() == [label, ""]
    assert out["densite_10000"].tolist()[0] == 9.2793  # a covered column keeps its numbers (and their format)
    assert out["praticiens"].tolist() == ["12", "non disponible (extraction limitée aux départements 04, 05)"]
    complete = SimpleNamespace(registry_coverage=RegistryCoverageSection(
        departements=["04"], finess_departements=[], complete=True, registry=pd.DataFrame(), finess=pd.DataFrame(),
        zones=pd.DataFrame()))
    assert coverage_display(complete, table) is table  # type: ignore[arg-type]


def test_structure_rows_read_sans_objet_not_the_extraction_limit() -> None:
    """A territory in the one covered département (04): the MSP row counts FINESS structures, so its libéraux,
    share of sites and densities do not apply (« sans objet »), while the GPs' région density is withheld."""
    coverage = RegistryCoverageSection(departements=["04"], finess_departements=["04"], complete=False,
                                       registry=pd.DataFrame(), finess=pd.DataFrame(), zones=pd.DataFrame())
    d = SimpleNamespace(registry_coverage=coverage)
    table = pd.DataFrame({
        "groupe": ["Médecins généralistes", "MSP"], "praticiens": pd.array([12, 2], dtype="Int64"),
        "praticiens_etp": [11.5, math.nan], "dont_liberaux": pd.array([7, pd.NA], dtype="Int64"),
        "unite": ["professionnels", "structures"], "densite_10000": [9.2793, math.nan],
        "densite_departement": [11.1, math.nan], "densite_region": [math.nan, math.nan],
        "densite_france": [math.nan, math.nan]})
    out = structures_display(coverage_display(d, table), {"praticiens_etp": 1, "densite_10000": 1,  # type: ignore[arg-type]
                                                          "densite_departement": 1})
    msp = out.iloc[1]
    for column in ("praticiens_etp", "dont_liberaux", "densite_10000", "densite_departement", "densite_region",
                   "densite_france"):
        assert msp[column] == "sans objet", column
    assert msp["praticiens"] == 2  # the structures' count applies (a covered column keeps its number)
    gp = out.iloc[0]
    assert (gp["dont_liberaux"], gp["praticiens_etp"], gp["densite_10000"]) == ("7", "11,5", "9,3")
    assert gp["densite_region"] == "non disponible (extraction limitée au département 04)"
    # Complete registries: the same cells, and « non disponible » stays for a figure really missing.
    complete = structures_display(table.assign(densite_region=[math.nan, math.nan]), {"densite_region": 1})
    assert complete["densite_region"].tolist() == ["non disponible", "sans objet"]
    # The machine table keeps NA where a figure is missing, and marks the cells that do not apply.
    marked = structures_not_applicable(table)
    assert str(marked.loc[1, "dont_liberaux"]) == "sans objet" and marked.loc[0, "dont_liberaux"] == 7
    assert pd.isna(marked.loc[0, "densite_region"]) and str(marked.loc[1, "densite_region"]) == "sans objet"


def test_a_list_a_cpts_needs_whole_is_bounded_only_beyond_a_cpts_size() -> None:
    """A review: a région's report printed its 947 communes and 322 units under 2,5 (most of its 102 pages). Those
    lists are cut beyond 200 rows (a département's, a région's: the largest CPTS have some 150 communes), to the 50
    first of the order given, in the table's own order, the note saying where all are."""
    rows = MAX_LISTED_WHOLE + 1
    data = pd.DataFrame({"Commune": [f"C{i:03d}" for i in range(rows)], "Population": list(range(rows))})
    order = -data["Population"]  # the most populated first
    table = bounded({"title": "Communes du territoire", "data": data}, order, "les plus peuplées", "communes.csv",
                    limit=MAX_LISTED_WHOLE, top=TOP_LISTED_WHOLE)
    assert table["title"] == f"Communes du territoire : les 50 unités les plus peuplées (sur {rows})"
    kept = table["data"]
    assert isinstance(kept, pd.DataFrame)
    assert kept["Population"].tolist() == list(range(rows - 50, rows))  # the 50 largest, in the table's order
    assert table["note"] == f"Les 50 unités les plus peuplées, sur {rows} ; toutes sont dans communes.csv."
    whole = bounded({"title": "t", "data": data[:MAX_LISTED_WHOLE]}, order[:MAX_LISTED_WHOLE], "x", "y",
                    limit=MAX_LISTED_WHOLE, top=TOP_LISTED_WHOLE)
    assert len(whole["data"]) == MAX_LISTED_WHOLE and "note" not in whole  # a CPTS's 200 communes: all listed
