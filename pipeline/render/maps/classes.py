"""Classes of a choropleth: breaks, colours and French legend labels (shared with the static maps)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd

from pipeline.render.maps.text import auto_decimals
from pipeline.render.palette import NA_COLOR, distinct_colors, sequential
from pipeline.render.report import format_number

#: Legend label of places whose figure is missing.
NA_LABEL = "Donnée non disponible"


def classify(values: pd.Series, k: int = 5, scheme: str = "FisherJenks") -> tuple[np.ndarray, list[float]]:
    """Classify a numeric series into at most ``k`` classes.

    Parameters
    ----------
    values
        Numeric values (NaN allowed).
    k
        Maximum number of classes.
    scheme
        A :mod:`mapclassify` classifier name (``FisherJenks``, ``Quantiles``,
        ``NaturalBreaks``, ``EqualInterval``...).

    Returns
    -------
    tuple
        ``(classes, bins)``: class index per value (-1 for NaN) and the
        upper bound of each class. When the series has ``k`` distinct values
        or fewer, each distinct value is its own class; a constant series has
        one class; an all-NaN series has no class.
    """
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    valid = numeric.dropna()
    classes = np.full(len(numeric), -1, dtype=int)
    if valid.empty:
        return classes, []
    unique = np.unique(valid.to_numpy())
    if len(unique) <= k:
        bins = [float(u) for u in unique]
    else:
        if scheme == "FisherJenks" and len(valid) > 1000:
            scheme = "FisherJenksSampled"  # exact Fisher-Jenks is quadratic without numba
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Numba not installed" and similar notices
            classifier = getattr(mapclassify, scheme)(valid.to_numpy(), k=k)
        bins = [float(b) for b in classifier.bins]
    mask = numeric.notna().to_numpy()
    classes[mask] = np.minimum(np.searchsorted(np.asarray(bins), numeric.to_numpy()[mask], side="left"), len(bins) - 1)
    return classes, bins


def class_labels(bins: list[float], minimum: float, decimals: int, distinct: bool) -> list[str]:
    """French labels of the classes: « 300 – 500 », or each value when every class is one value."""
    if distinct:
        return [format_number(b, decimals) for b in bins]
    labels = []
    lower = minimum
    for b in bins:
        low, high = format_number(lower, decimals), format_number(b, decimals)
        labels.append(high if low == high else f"{low} – {high}")
        lower = b
    return labels


@dataclass(frozen=True)
class Choropleth:
    """A classified indicator, ready to draw.

    Attributes
    ----------
    classes
        Class index of each value (-1 when missing).
    colors
        Fill of each value (:data:`pipeline.render.palette.NA_COLOR` when missing).
    legend
        ``(colour, label)`` of each class, then « Donnée non disponible » when
        a value is missing.
    decimals
        Decimals used for the labels and the tooltips.
    """

    classes: np.ndarray
    colors: list[str]
    legend: list[tuple[str, str]]
    decimals: int


def choropleth(values: pd.Series, k: int = 5, scheme: str = "FisherJenks") -> Choropleth:
    """Classes, fills and legend of an indicator (see :func:`classify`)."""
    numeric = pd.to_numeric(values, errors="coerce")
    classes, bins = classify(numeric, k=k, scheme=scheme)
    palette = sequential(len(bins))
    decimals = auto_decimals(numeric)
    labels = class_labels(bins, float(numeric.min()) if bins else 0.0, decimals, len(bins) < k or len(bins) == 1)
    legend = list(zip(palette, labels, strict=True))
    if numeric.isna().any():
        legend.append((NA_COLOR, NA_LABEL))
    colors = [palette[c] if c >= 0 else NA_COLOR for c in classes]
    return Choropleth(classes=classes, colors=colors, legend=legend, decimals=decimals)


def categories(values: pd.Series) -> Choropleth:
    """Qualitative classes of a text indicator (e.g. « hors unité urbaine »): one fill per distinct value.

    Categories are sorted; missing values are drawn « Donnée non disponible ».
    """
    text = values.astype("string")
    distinct = sorted(set(text.dropna()))
    palette = distinct_colors(len(distinct))
    index = {value: i for i, value in enumerate(distinct)}
    classes = np.array([index.get(v, -1) for v in text.fillna("")], dtype=int)
    legend = list(zip(palette, distinct, strict=True))
    if text.isna().any():
        legend.append((NA_COLOR, NA_LABEL))
    colors = [palette[c] if c >= 0 else NA_COLOR for c in classes]
    return Choropleth(classes=classes, colors=colors, legend=legend, decimals=0)
