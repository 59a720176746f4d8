"""One colour per category, shared by the interactive maps, the static maps and the charts.

A reader who learns on the territory map that EHPAD are red must find them red
in the printed map and in the report's charts. Every renderer therefore asks
this module for a category's colour instead of numbering categories in the
order they happen to appear (which gave an EHPAD a different colour in each
map).

* **Establishment groups** are the ``groupe`` values produced from
  ``pipeline/data/finess_categories.csv`` (:data:`pipeline.nomenclatures.GROUPES_FINESS`,
  plus « Hôpital » before the public/private split).
* **Profession groups** are the rows of the « Trame d'un projet de santé »
  (:data:`pipeline.nomenclatures.GROUPES_TRAME`) and its two structure rows
  (MSP, centres de santé), which take the colour of the same FINESS group.
* **Territorial levels** are territoire, département, région and France.

Lookups ignore case, accents and punctuation (« Departement » is
« Département »). A value outside these lists gets a colour from a reserve
palette chosen by a stable hash of its name, so that an unexpected group
still has the same colour in every output and in every run.
"""

from __future__ import annotations

import colorsys
import zlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from pipeline.geography import normalise_name
from pipeline.nomenclatures import GROUPES_FINESS, GROUPES_STRUCTURES, GROUPES_TRAME

if TYPE_CHECKING:
    import pandas as pd

#: Colour of each establishment group (FINESS ``groupe``).
ESTABLISHMENT_COLORS: dict[str, str] = {
    "MSP": "#1a9641",
    "Centre de santé": "#66c2a5",
    "Pharmacie": "#00acc1",
    "Laboratoire": "#bcbd22",
    "Hôpital public": "#1f5fa8",
    "Hôpital privé": "#4fb3d9",
    "Hôpital": "#2f7fc1",  # before the public/private split of the ``codesph`` field
    "Psychiatrie": "#7b4fa0",
    "SSR": "#8c5a2b",
    "EHPAD": "#d7191c",
    "SSIAD": "#f28e2b",
    "Autre médico-social": "#e78ac3",
    "DAC": "#e6c200",
    "Autre": "#9e9e9e",
}

#: Colour of each profession group (rows of the Trame's supply table).
PROFESSION_COLORS: dict[str, str] = {
    "Médecins généralistes": "#1f77b4",
    "Médecins spécialistes": "#aec7e8",
    "Infirmiers": "#ff7f0e",
    "Pharmaciens": "#2ca02c",
    "Masseurs-kinésithérapeutes": "#ffbb78",
    "Biologistes": "#98df8a",
    "Sages-femmes": "#d62728",
    "Orthophonistes": "#9467bd",
    "Orthoptistes": "#c5b0d5",
    "Chirurgiens-dentistes": "#8c564b",
    "Pédicures-podologues": "#c49c94",
    "Psychologues": "#e377c2",
    "Autres": "#7f7f7f",
    # Structure rows of the Trame: the colour of the FINESS group they count.
    "MSP": ESTABLISHMENT_COLORS["MSP"],
    "Centres de santé": ESTABLISHMENT_COLORS["Centre de santé"],
}

#: Colour of each territorial level in comparisons (the territory stands out).
LEVEL_COLORS: dict[str, str] = {
    "Territoire": "#c51b7d",
    "Département": "#1d3557",
    "Région": "#457b9d",
    "France": "#a3adb8",
}

#: Colours for values outside the lists above, picked by a stable hash of the name.
RESERVE: tuple[str, ...] = (
    "#8dd3c7", "#bebada", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#bc80bd", "#ccebc5", "#ffed6f",
    "#6b6ecf", "#b5cf6b", "#e7ba52", "#ad494a", "#a55194",
)  # fmt: skip

#: Sequential palette (ColorBrewer YlGnBu, 5 classes) for choropleths.
SEQUENTIAL: tuple[str, ...] = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: Fill of a place whose figure is not available (« Donnée non disponible »).
NA_COLOR = "#d9d9d9"
#: Direction of a patient flow.
FLOW_COLORS: dict[str, str] = {"entrant": "#2166ac", "sortant": "#d6604d"}
#: Flow with no known direction.
FLOW_OTHER_COLOR = "#636363"
#: Outline of the CPTS perimeter (maps and static maps).
PERIMETER_COLOR = "#c51b7d"
#: Legend of that outline when the perimeter frame has no ``legende`` column (see :func:`perimeter_label`), and
#: of a territory that is no CPTS (a département, a list of communes).
PERIMETER_LABEL = "Périmètre de la CPTS"
TERRITORY_PERIMETER_LABEL = "Périmètre du territoire"
#: Other CPTS around the territory: outline and fill.
NEIGHBOUR_COLOR = "#8c6d31"
NEIGHBOUR_FILL = "#e7cb94"
#: Proportional circles of health professionals per commune.
PROFESSIONALS_COLOR = "#7b3294"
#: Highlight of a feature the user searched for.
HIGHLIGHT_COLOR = "#e6007e"

#: Fills of CPTS perimeters on the coverage map, given by graph colouring so that
#: adjacent perimeters differ (ColorBrewer Set2/Set3 without the reds, which
#: the overlaps layer uses).
COVERAGE_COLORS: tuple[str, ...] = (
    "#66c2a5", "#8da0cb", "#ffd92f", "#e78ac3", "#a6d854", "#e5c494", "#80b1d3", "#bc80bd",
    "#ccebc5", "#fdb462",
)  # fmt: skip
#: Coverage layers (overlaps, white zones, atone territories, candidate perimeters).
OVERLAP_COLOR, OVERLAP_FILL = "#b2182b", "#d6604d"
WHITE_ZONE_COLOR = "#252525"
ATONE_COLOR = "#7b3294"
CANDIDATE_COLOR, CANDIDATE_FILL = "#1a7a36", "#66bd63"


def _lookup(table: Mapping[str, str]) -> dict[str, str]:
    return {normalise_name(k): v for k, v in table.items()}


_ESTABLISHMENTS = _lookup(ESTABLISHMENT_COLORS)
_PROFESSIONS = _lookup(PROFESSION_COLORS)
_LEVELS = _lookup(LEVEL_COLORS)


def reserve_color(value: object) -> str:
    """Stable colour of a value that no fixed table knows (same name, same colour, every run)."""
    return RESERVE[zlib.crc32(normalise_name(value).encode("utf-8")) % len(RESERVE)]


def establishment_color(group: object) -> str:
    """Colour of an establishment group (``groupe`` of FINESS); « Autre » when missing."""
    if group is None or group != group:  # None or NaN
        return ESTABLISHMENT_COLORS["Autre"]
    return _ESTABLISHMENTS.get(normalise_name(group)) or reserve_color(group)


def profession_color(group: object) -> str:
    """Colour of a profession group (row of the Trame); « Autres » when missing."""
    if group is None or group != group:
        return PROFESSION_COLORS["Autres"]
    return _PROFESSIONS.get(normalise_name(group)) or reserve_color(group)


def level_color(level: object) -> str:
    """Colour of a territorial level.

    The label may carry a qualifier: « Territoire de la CPTS », « Département
    (04) », « Région PACA » and « France métropolitaine » are recognised by
    their first word.
    """
    key = normalise_name(level)
    for name, color in _LEVELS.items():
        if key == name or key.startswith(name + " "):
            return color
    return reserve_color(level)


def establishment_order(groups: Iterable[object]) -> list[str]:
    """Distinct groups in the order of :data:`GROUPES_FINESS` (unknown groups last, sorted)."""
    return _ordered(groups, ("Hôpital", *GROUPES_FINESS))


def profession_order(groups: Iterable[object]) -> list[str]:
    """Distinct profession groups in the Trame's order (unknown groups last, sorted)."""
    return _ordered(groups, (*GROUPES_TRAME, *GROUPES_STRUCTURES))


def _ordered(values: Iterable[object], reference: tuple[str, ...]) -> list[str]:
    rank = {normalise_name(v): i for i, v in enumerate(reference)}
    distinct = list(dict.fromkeys(str(v) for v in values if v is not None and v == v))
    return sorted(distinct, key=lambda v: (rank.get(normalise_name(v), len(rank)), v))


def sequential(n: int) -> list[str]:
    """``n`` colours of the sequential palette, from light to dark (one class: a middle tone).

    Up to five classes take ColorBrewer's own colours; more classes are
    interpolated between them.
    """
    if n <= 0:
        return []
    if n == 1:
        return [SEQUENTIAL[2]]
    last = len(SEQUENTIAL) - 1
    if n <= len(SEQUENTIAL):
        return [SEQUENTIAL[round(i * last / (n - 1))] for i in range(n)]
    return [_interpolate(SEQUENTIAL, i / (n - 1)) for i in range(n)]


def _interpolate(colors: tuple[str, ...], t: float) -> str:
    """Colour at ``t`` (0 to 1) along ``colors``, linear in RGB."""
    position = t * (len(colors) - 1)
    i = min(int(position), len(colors) - 2)
    frac = position - i
    a, b = (tuple(int(c[k : k + 2], 16) for k in (1, 3, 5)) for c in (colors[i], colors[i + 1]))
    return "#" + "".join(f"{round(x + (y - x) * frac):02x}" for x, y in zip(a, b, strict=True))


def distinct_colors(n: int) -> list[str]:
    """``n`` fills for perimeters that must differ from their neighbours (graph colouring indices).

    The first ones are :data:`COVERAGE_COLORS`, then :data:`RESERVE`; beyond
    that, hues are spread by the golden angle (never needed in practice: the
    map of France needs five colours or so).
    """
    base = list(dict.fromkeys((*COVERAGE_COLORS, *RESERVE)))
    out = base[:n]
    k = 0
    while len(out) < n:
        hue = (k * 0.618033988749895) % 1.0
        r, g, b = colorsys.hls_to_rgb(hue, 0.72, 0.55)
        out.append(f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}")
        k += 1
    return out


def perimeter_label(perimeter: pd.DataFrame | None) -> str:
    """The legend of a perimeter outline: its frame's ``legende`` column, else :data:`PERIMETER_LABEL`.

    A diagnostic of a département or of communes is no CPTS: its outline is « Périmètre du territoire ».
    """
    if perimeter is not None and "legende" in perimeter.columns and len(perimeter):
        value = perimeter["legende"].iloc[0]
        if isinstance(value, str) and value:
            return value
    return PERIMETER_LABEL
