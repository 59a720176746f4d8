"""Presentation of the profile sections: missing figures read « non disponible », qualitative map layers,
withheld densities of partial registries."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd

from pipeline.model.profile import RegistryCoverageSection
from pipeline.render.maps.classes import NA_LABEL, categories
from pipeline.render.palette import NA_COLOR
from pipeline.render.sections.coverage import coverage_display, limited_label
from pipeline.render.sections.display import NOT_AVAILABLE, shown

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
