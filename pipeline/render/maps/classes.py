"""Classes of a choropleth: breaks, colours and French legend labels (shared with the static maps)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.render.maps.text import auto_decimals
from pipeline.render.palette import NA_COLOR, distinct_colors, sequential
from pipeline.render.report import format_number

#: Legend label of places whose figure is missing.
NA_LABEL = "Donnée non disponible"


#: Above this many values, Fisher-Jenks runs on this many evenly spaced quantiles (the exact method is quadratic).
FISHER_JENKS_MAX = 1000


def fisher_jenks_bins(values: np.ndarray, k: int) -> list[float]:
    """Upper bounds of the ``k`` Fisher-Jenks classes of ``values``: the partition of the sorted values
    into ``k`` runs with the least within-class sum of squares (Fisher 1958, dynamic programming).

    Written here rather than imported: ``mapclassify`` (the reference the tests compare with) pulls in
    scikit-learn, scipy.stats and pyplot, about 1.8 s of imports, more than half a small diagnostic.
    """
    x = np.sort(np.asarray(values, dtype=float))
    if len(x) > FISHER_JENKS_MAX:
        x = np.quantile(x, np.linspace(0.0, 1.0, FISHER_JENKS_MAX))
    n = len(x)
    k = min(k, n)
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def cost(start: np.ndarray, end: int) -> np.ndarray:
        """Sum of squared deviations of each run x[start..end] (inclusive)."""
        total, squares, count = s1[end + 1] - s1[start], s2[end + 1] - s2[start], end + 1 - start
        return np.asarray(squares - total * total / count)

    best = np.full((k, n), np.inf)
    start_of_last = np.zeros((k, n), dtype=int)
    best[0] = [float(cost(np.array([0]), j)[0]) for j in range(n)]
    for m in range(1, k):
        for j in range(m, n):
            starts = np.arange(m, j + 1)
            total = best[m - 1, starts - 1] + cost(starts, j)
            i = int(np.argmin(total))
            best[m, j], start_of_last[m, j] = total[i], starts[i]
    bounds, end = [], n - 1
    for m in range(k - 1, -1, -1):
        bounds.append(float(x[end]))
        end = int(start_of_last[m, end]) - 1
    return bounds[::-1]


def quantile_bins(values: np.ndarray, k: int) -> list[float]:
    """Upper bounds of ``k`` quantile classes (repeated bounds merged), as ``mapclassify.Quantiles``."""
    return [float(b) for b in np.unique(np.quantile(np.asarray(values, dtype=float), np.linspace(0, 1, k + 1)[1:]))]


SCHEMES = {"FisherJenks": fisher_jenks_bins, "Quantiles": quantile_bins}


def with_break_at(bins: list[float], threshold: float, minimum: float) -> list[float]:
    """``bins`` with a class starting at ``threshold`` (values below it in the classes before), still at most
    ``len(bins)`` classes: the inner break nearest to it gives way.

    A rule's threshold (the DREES's APL of 2,5, under which a commune is « sous-dense ») then reads on the map;
    a threshold outside ``(minimum, max]`` changes nothing.
    """
    if not minimum < threshold <= bins[-1]:
        return bins
    below = float(np.nextafter(threshold, -np.inf))  # upper bounds are inclusive: the threshold opens the next class
    inner = [b for b in bins[:-1] if b != below]
    if len(inner) + 2 > len(bins) and inner:
        inner.remove(min(inner, key=lambda b: abs(b - threshold)))
    return sorted({*inner, below, bins[-1]})


def _without_empty_classes(bins: list[float], values: np.ndarray, kept: float) -> list[float]:
    """``bins`` whose classes all hold a value: a break given way to a threshold may leave one empty (« 1,10 –
    moins de 2,50 » and nobody in it, a review). An empty class merges into its neighbour, the bound ``kept``
    (the threshold's) staying: the class below it then widens down instead."""
    bins = list(bins)
    while len(bins) > 1:
        filled = np.bincount(np.searchsorted(np.asarray(bins), values, side="left"), minlength=len(bins))
        empty = [i for i, n in enumerate(filled) if not n]
        if not empty:
            break
        i = empty[0]
        del bins[i - 1 if bins[i] == kept and i > 0 else i]
    return bins


def classify(values: pd.Series, k: int = 5, scheme: str = "FisherJenks", threshold: float | None = None
             ) -> tuple[np.ndarray, list[float]]:
    """Classify a numeric series into at most ``k`` classes.

    Parameters
    ----------
    values
        Numeric values (NaN allowed).
    k
        Maximum number of classes.
    scheme
        ``FisherJenks`` (exact natural breaks, on 1 000 quantiles above
        1 000 values) or ``Quantiles``.
    threshold
        A value that must start a class (:func:`with_break_at`), when the
        series has more than ``k`` distinct values.

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
    bins = [float(u) for u in unique] if len(unique) <= k else SCHEMES[scheme](valid.to_numpy(), k)
    if threshold is not None and len(unique) > k:
        bins = with_break_at(bins, threshold, float(unique[0]))
        bins = _without_empty_classes(bins, unique, float(np.nextafter(threshold, -np.inf)))
    mask = numeric.notna().to_numpy()
    classes[mask] = np.minimum(np.searchsorted(np.asarray(bins), numeric.to_numpy()[mask], side="left"), len(bins) - 1)
    return classes, bins


def class_labels(bins: list[float], minimum: float, decimals: int, distinct: bool,
                 threshold: float | None = None) -> list[str]:
    """French labels of the classes: « 100 – 300 », « plus de 300 à 500 » (upper bounds are inclusive), or each
    value when every class is one value; the class ending just below ``threshold`` (:func:`with_break_at`) ends
    « moins de 2,50 » and the next starts « 2,50 – »: that bound belongs to the class above it."""
    if distinct:
        return [format_number(b, decimals) for b in bins]
    below = None if threshold is None else float(np.nextafter(threshold, -np.inf))
    labels = []
    lower = minimum
    # Whether ``lower`` is also the previous class's (inclusive) upper bound: « 0,0 » then « 0,0 – 6,2 » read as
    # if 0 were in both (a review); such a class reads « plus de 0,0 à 6,2 ». A class opened by the threshold
    # holds its lower bound (« 2,50 – … »), and so does the first (the minimum).
    shared = False
    for b in bins:
        low, high = format_number(lower, decimals), format_number(b, decimals)
        if b == below and threshold is not None:
            high = f"moins de {format_number(threshold, decimals)}"
            if low == format_number(threshold, decimals):  # « 2,50 – moins de 2,50 »: the bound with its decimals
                low = format_number(lower, decimals + 3).rstrip("0").rstrip(",")
        if shared:  # « plus de 2,30 – moins de 2,50 » below the threshold: both bounds strict, the dash kept
            labels.append(f"plus de {low} {'–' if high.startswith('moins de') else 'à'} {high}")
        else:
            labels.append(high if low == high else f"{low} – {high}")
        shared = not (b == below and threshold is not None)
        lower = threshold if b == below and threshold is not None else b
    return labels


def legible_decimals(bounds: list[float], decimals: int, most: int = 4) -> int:
    """``decimals``, or up to ``most`` more when distinct class bounds would read alike with them.

    The legend keeps the tables' decimals (an APL of 2,455 is « 2,46 » in both), unless its bounds would merge:
    APL of 0,001, 0,002 and 0,004 were three classes « 0,00 ».
    """
    distinct = sorted(set(bounds))
    for extra in range(most + 1):
        shown = {format_number(b, decimals + extra) for b in distinct}
        if len(shown) == len(distinct):
            return decimals + extra
    return decimals + most


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


def choropleth(values: pd.Series, k: int = 5, scheme: str = "FisherJenks", decimals: int | None = None,
               threshold: float | None = None) -> Choropleth:
    """Classes, fills and legend of an indicator (see :func:`classify`, and its ``threshold``); ``decimals`` of
    its labels and tooltips (by default :func:`~pipeline.render.maps.text.auto_decimals`)."""
    numeric = pd.to_numeric(values, errors="coerce")
    classes, bins = classify(numeric, k=k, scheme=scheme, threshold=threshold)
    palette = sequential(len(bins))
    decimals = auto_decimals(numeric) if decimals is None else decimals
    minimum = float(numeric.min()) if bins else 0.0
    # Each class is one value when there are no more values than classes (classify's rule), whatever their count.
    # The bound at a threshold is left out: :func:`class_labels` tells « 2,496 – moins de 2,50 » apart itself.
    bounds = [b for b in [minimum, *bins] if threshold is None or not np.isclose(b, threshold, rtol=0, atol=1e-9)]
    labels = class_labels(bins, minimum, legible_decimals(bounds, decimals), numeric.nunique() <= k, threshold)
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
