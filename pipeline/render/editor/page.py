"""Build the self-contained perimeter editor page from an :class:`EditorData`.

The page is one HTML file: the vendored Leaflet inlined by
:func:`pipeline.render.offline.inline_assets`, the editor's CSS and
JavaScript (``templates/``) and the data as one JSON document
(``<script type="application/json" id="editor-data">``, every ``<`` escaped)
whose layout is :func:`editor_payload`'s.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.errors import PipelineError
from pipeline.geography import city_of_arrondissement
from pipeline.render.editor.model import EditorData, ensure_wgs84, validate
from pipeline.render.editor.packing import DEFAULT_OD_DECIMALS, DEFAULT_SCALE, encode_geometry, pack_od, simplify_units
from pipeline.render.offline import inline_assets
from pipeline.render.report import DEMO_BANNER, format_date

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Version of the JSON layout embedded in the page.
PAYLOAD_VERSION = 1
#: Size budget of a page (bytes): above it the geometry is simplified further.
MAX_PAGE_BYTES = 15_000_000
#: Simplification tolerance tried first (metres); doubled while the page is over budget.
DEFAULT_TOLERANCE_M = 30.0
_MAX_TOLERANCE_M = 2_000.0

#: Outline colours of the listed CPTS (neighbouring perimeters get different colours).
PALETTE: tuple[str, ...] = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#b8860b",
    "#a6761d", "#17becf", "#8c564b", "#4d4d4d", "#9467bd", "#bcbd22",
)  # fmt: skip

@dataclass(frozen=True)
class EditorPage:
    """A written editor page and how it was made.

    Attributes
    ----------
    path
        The HTML file.
    size_bytes
        Its size.
    tolerance_m
        Simplification tolerance used for the unit polygons (metres).
    seconds
        Build time (validation, simplification, packing, writing).
    od_pairs
        Origin–destination pairs the page carries (the table's rows touching its units, summed by pair).
    """

    path: Path
    size_bytes: int
    tolerance_m: float
    seconds: float
    od_pairs: int = 0


def _none_if_missing(value: Any) -> Any:
    return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value


def _int_or_none(value: Any) -> int | None:
    value = _none_if_missing(value)
    return None if value is None else int(value)


def _text_or_none(value: Any) -> str | None:
    value = _none_if_missing(value)
    return None if value is None else str(value)


def _groups(
    codes: pd.Series, names: pd.Series, totals: Mapping[str, int] | None, beyond: Mapping[str, int]
) -> tuple[dict[str, list[Any]], list[int]]:
    """Table of the distinct codes (code, nom, total units, units beyond the load) and each unit's index in it
    (-1 if missing)."""
    clean = [_text_or_none(c) for c in codes]
    table = sorted({c for c in clean if c is not None})
    position = {code: i for i, code in enumerate(table)}
    name_of: dict[str, str] = {}
    for code, name in zip(clean, names, strict=True):
        if code is not None and _text_or_none(name) is not None:
            name_of.setdefault(code, str(name))
    counts = pd.Series([c for c in clean if c is not None], dtype=object).value_counts()
    total = [int(totals[c]) if totals is not None and c in totals else int(counts.get(c, 0)) for c in table]
    return (
        {"code": table, "nom": [name_of.get(c, c) for c in table], "total": total,
         "hors_base": [int(beyond.get(c, 0)) for c in table]},
        [-1 if c is None else position[c] for c in clean],
    )


def _neighbours(data: EditorData, index: Mapping[str, int]) -> list[list[int]] | None:
    """For each unit, the indices of the units within 50 m of it (None when the data gives no adjacency)."""
    if data.adjacency is None:
        return None
    lists: list[set[int]] = [set() for _ in index]
    for a, b in data.adjacency:
        if a in index and b in index and a != b:
            lists[index[a]].add(index[b])
            lists[index[b]].add(index[a])
    return [sorted(s) for s in lists]


def perimeter_colours(claims: Sequence[Sequence[int]], geometries: gpd.GeoSeries, n_perimeters: int) -> list[str]:
    """A palette colour per listed perimeter, different for perimeters that touch or overlap.

    Greedy colouring, largest perimeters first; with more mutually touching
    perimeters than colours, the least used neighbour colour is reused.
    """
    neighbours: list[set[int]] = [set() for _ in range(n_perimeters)]
    present = np.flatnonzero(geometries.notna().to_numpy())
    pairs: list[tuple[int, int]] = [(i, i) for i in range(len(claims))]
    if len(present):
        tree = shapely.STRtree(geometries.values[present])
        left, right = tree.query(geometries.values[present], predicate="intersects")
        pairs += [(int(present[a]), int(present[b])) for a, b in zip(left, right, strict=True)]
    for a, b in pairs:
        for p in claims[a]:
            for q in claims[b]:
                if p != q:
                    neighbours[p].add(q)
    size = [0] * n_perimeters
    for unit_claims in claims:
        for p in unit_claims:
            size[p] += 1
    colour: dict[int, int] = {}
    for p in sorted(range(n_perimeters), key=lambda k: (-size[k], k)):
        used = [colour[q] for q in neighbours[p] if q in colour]
        free = [c for c in range(len(PALETTE)) if c not in used]
        colour[p] = free[0] if free else min(range(len(PALETTE)), key=used.count)
    return [PALETTE[colour[p]] for p in range(n_perimeters)]


def editor_payload(data: EditorData, tolerance_m: float = DEFAULT_TOLERANCE_M, scale: int = DEFAULT_SCALE,
                   od_decimals: int = DEFAULT_OD_DECIMALS) -> dict[str, Any]:
    """The JSON document the page reads (validated first).

    Returns
    -------
    dict
        ``version``, ``scale``, ``meta`` (titre, zone, date, sources, demo,
        bandeau, od_label, notes, tolerance_m), ``units`` (parallel lists
        ``code``, ``nom``, ``population``, ``annee``, ``departement``,
        ``epci``/``bv`` (index into ``epci``/``bv``, -1 missing), ``claims``
        (perimeter indices), ``couverture_connue`` (0 for a unit of
        :attr:`~pipeline.render.editor.EditorData.unknown_coverage`, else 1),
        ``geom`` (see :mod:`~pipeline.render.editor.packing`)),
        ``cities`` (city code -> unit indices of its arrondissements),
        ``former`` (former code -> current unit), ``former_noms`` (former code -> its name), ``autres_noms``
        (unit -> the names of the communes déléguées keeping its code),
        ``epci`` and ``bv`` (``code``, ``nom``, ``total``, ``hors_base``: its units outside the loaded
        départements), ``perimeters``
        (``nom``, ``liste``, ``couleur``, ``units``, ``hors_zone`` and ``hors_zone_codes``: its units outside
        the page's zone, ``hors_base``: communes outside the
        loaded départements, -1 for a drawn part of unknown extent, ``hors_base_codes``: the codes its listing
        names there, ``hors_base_communes``: their current communes, ``hors_base_populations``: their
        populations), ``od``
        (:func:`~pipeline.render.editor.packing.pack_od`), ``aci`` (``bounds``,
        ``funding`` keyed "1".."4", ``version``), ``initial`` (``units``,
        ``nom``, ``cpts``).

    Raises
    ------
    DataError
        Invalid :class:`EditorData` (see :func:`~pipeline.render.editor.model.validate`).
    """
    validate(data)
    units = ensure_wgs84(data.units).copy()
    units["code"] = units["code"].astype(str)
    units = units.sort_values("code").reset_index(drop=True)
    codes: list[str] = units["code"].tolist()
    index = {code: i for i, code in enumerate(codes)}

    claims: list[list[int]] = [[] for _ in codes]
    perimeter_units: list[list[int]] = []
    outside: list[list[str]] = []
    for p, perimeter in enumerate(data.perimeters):
        members = sorted({index[c] for c in perimeter.codes if c in index})
        perimeter_units.append(members)
        outside.append(sorted({c for c in perimeter.codes if c not in index}))
        for i in members:
            claims[i].append(p)

    simplified = simplify_units(units.geometry, units["departement"].astype(str).tolist(), tolerance_m)
    epci, epci_index = _groups(units["epci"], units["epci_nom"], data.epci_totals, data.epci_beyond)
    bv, bv_index = _groups(units["bv2022"], units["bv2022_nom"], data.bv_totals, data.bv_beyond)
    cities: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        city = city_of_arrondissement(code)
        if city is not None:
            cities.setdefault(city, []).append(i)
    return {
        "version": PAYLOAD_VERSION,
        "scale": scale,
        "meta": {
            "titre": data.title,
            "zone": data.zone,
            "date": format_date(data.generated),
            "sources": data.sources,
            "demo": bool(data.demo),
            "bandeau": DEMO_BANNER,
            "od_label": data.od_label,
            "notes": list(data.notes),
            "tolerance_m": tolerance_m,
        },
        "units": {
            "code": codes,
            "nom": units["nom"].astype(str).tolist(),
            "population": [_int_or_none(v) for v in units["population"]],
            "annee": [_int_or_none(v) for v in units["population_annee"]],
            "departement": units["departement"].astype(str).tolist(),
            "epci": epci_index,
            "bv": bv_index,
            "claims": claims,
            "couverture_connue": [0 if code in data.unknown_coverage else 1 for code in codes],
            "geom": [encode_geometry(g, scale) for g in simplified.values],
            "voisins": _neighbours(data, index),
        },
        "cities": cities,
        # The départements the database holds (empty: all of France): an imported code of another is beyond the load.
        "departements_charges": list(data.loaded_departements),
        "former": dict(sorted(data.former_codes.items())),
        "former_noms": {code: str(data.former_names[code]) for code in sorted(data.former_codes)
                        if code in data.former_names},
        "autres_noms": {code: list(data.other_names[code]) for code in sorted(data.other_names)},
        "epci": epci,
        "bv": bv,
        "perimeters": {
            "nom": [p.name for p in data.perimeters],
            "liste": [p.listing for p in data.perimeters],
            "couleur": perimeter_colours(claims, simplified, len(data.perimeters)),
            "units": perimeter_units,
            "hors_zone": [len(codes) for codes in outside],
            # Its units outside the page's zone: not drawn, but written back by « Exporter », as listed.
            "hors_zone_codes": outside,
            "hors_base": [-1 if p.beyond_the_load is None else int(p.beyond_the_load) for p in data.perimeters],
            # The codes its listing names there: not on any page, but written back by « Exporter », as listed.
            "hors_base_codes": [list(p.beyond_the_load_codes) for p in data.perimeters],
            # Their current communes, aligned (an imported redraw keeping some of them counts those communes).
            "hors_base_communes": [list(p.beyond_the_load_communes or p.beyond_the_load_codes)
                                   for p in data.perimeters],
            # What each counts the population of (an arrondissement itself) and that population, aligned (null when
            # unknown): the taille is the whole CPTS's, as its diagnostic's.
            "hors_base_unites": [list(p.beyond_the_load_units or p.beyond_the_load_communes or p.beyond_the_load_codes)
                                 for p in data.perimeters],
            "hors_base_populations": [list(p.beyond_the_load_populations) or [None] * len(p.beyond_the_load_codes)
                                      for p in data.perimeters],
        },
        "od": pack_od(data.od, codes, od_decimals),
        "aci": {
            "bounds": [int(b) for b in data.aci.bounds],
            "funding": {str(k): {key: int(v) for key, v in line.items()} for k, line in data.aci.funding.items()},
            "version": data.aci.version,
            "libelle": data.aci.version_label or data.aci.version,
            "note": data.aci.note,
            "bandes": {str(k): v for k, v in data.aci.descriptions.items()},
        },
        "initial": {
            "units": sorted({index[c] for c in data.initial.codes}),
            "nom": data.initial.name,
            "cpts": data.initial.cpts,
            "liste": data.initial.listing,
        },
    }


def _script_safe(code: str) -> str:
    # "</script" inside an inline script would close the element early.
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def _json_for_html(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Inside <script type="application/json">, "<" could open "</script>" or "<!--": escape them all.
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_page(payload: dict[str, Any]) -> str:
    """The HTML page for a payload of :func:`editor_payload` (no network needed to display it)."""
    template = (TEMPLATES / "editor.html").read_text(encoding="utf-8")
    parts = {
        "{{CSS}}": (TEMPLATES / "editor.css").read_text(encoding="utf-8").replace("</style", "<\\/style"),
        "{{IMPORT_JS}}": _script_safe((TEMPLATES / "editor-import.js").read_text(encoding="utf-8")),
        "{{CORE_JS}}": _script_safe((TEMPLATES / "editor-core.js").read_text(encoding="utf-8")),
        "{{PANEL_JS}}": _script_safe((TEMPLATES / "editor-panel.js").read_text(encoding="utf-8")),
        "{{SEARCH_JS}}": _script_safe((TEMPLATES / "editor-search.js").read_text(encoding="utf-8")),
        "{{UI_JS}}": _script_safe((TEMPLATES / "editor-ui.js").read_text(encoding="utf-8")),
    }
    # The title comes last and with its braces escaped, so that no text of the data can form a placeholder.
    parts["{{TITLE}}"] = html.escape(str(payload["meta"]["titre"])).replace("{", "&#123;").replace("}", "&#125;")
    for key, value in parts.items():
        if key not in template:
            raise PipelineError(f"Gabarit de l'éditeur incomplet : {key} absent", TEMPLATES / "editor.html")
        template = template.replace(key, value)
    page = inline_assets(template)
    head, marker, tail = page.partition("{{DATA}}")
    if not marker:
        raise PipelineError("Gabarit de l'éditeur incomplet : {{DATA}} absent", TEMPLATES / "editor.html")
    return head + _json_for_html(payload) + tail


def build_editor_page(data: EditorData, tolerance_m: float = DEFAULT_TOLERANCE_M,
                      max_bytes: int = MAX_PAGE_BYTES) -> tuple[str, float]:
    """The page and the tolerance used (see :func:`_built_page`)."""
    page, used, _ = _built_page(data, tolerance_m, max_bytes)
    return page, used


def _built_page(data: EditorData, tolerance_m: float, max_bytes: int) -> tuple[str, float, dict[str, Any]]:
    """Render the page, simplifying the polygons further while it is larger than ``max_bytes``.

    Returns
    -------
    (html, tolerance_m, payload)
        The page, the simplification tolerance finally used (metres) and the data it embeds.

    Raises
    ------
    DataError
        Invalid :class:`EditorData`.
    PipelineError
        The page stays over ``max_bytes`` even with a 2 km tolerance.
    """
    while True:
        payload = editor_payload(data, tolerance_m)
        page = render_page(payload)
        size = len(page.encode("utf-8"))
        if size <= max_bytes:
            return page, tolerance_m, payload
        geometry_bytes = len(json.dumps(payload["units"]["geom"], separators=(",", ":")))
        if geometry_bytes < size - max_bytes:
            # Even without any polygon the page would be too large: simplifying cannot help.
            raise PipelineError(
                f"Page de l'éditeur trop lourde ({size / 1e6:.1f} Mo > {max_bytes / 1e6:.1f} Mo), même sans "
                f"contours (ils pèsent {geometry_bytes / 1e6:.1f} Mo) ; la table origine-destination pèse "
                f"{len(json.dumps(payload['od'], separators=(',', ':'))) / 1e6:.1f} Mo : réduisez la zone ou le "
                "rayon des flux"
            )
        if tolerance_m >= _MAX_TOLERANCE_M:
            raise PipelineError(
                f"Page de l'éditeur trop lourde ({size / 1e6:.1f} Mo > {max_bytes / 1e6:.1f} Mo) même avec des "
                f"contours simplifiés à {tolerance_m:.0f} m : réduisez la zone"
            )
        tolerance_m = max(tolerance_m * 2, 1.0)


def write_editor_page(data: EditorData, path: str | Path, tolerance_m: float = DEFAULT_TOLERANCE_M,
                      max_bytes: int = MAX_PAGE_BYTES) -> EditorPage:
    """Write the editor page to ``path`` (parent folders created) and describe it.

    Raises
    ------
    DataError
        Invalid :class:`EditorData`.
    PipelineError
        Page over budget (see :func:`build_editor_page`).
    """
    start = time.perf_counter()
    page, used, payload = _built_page(data, tolerance_m, max_bytes)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return EditorPage(path=target, size_bytes=target.stat().st_size, tolerance_m=used,
                      seconds=time.perf_counter() - start, od_pairs=len(payload["od"]["dest"]))
