"""Territories read from a file (``TERRITORY=fichier:``): a CSV with a code column, or a GeoJSON.

The perimeter editor's export (``make editeur``, « Exporter ») is such a CSV. When the
perimeter was started from a listed CPTS, the export also names that CPTS in two
columns, ``cpts_redessinee`` and ``liste``: the file is that CPTS redrawn, so its
diagnostic does not count the CPTS as a neighbour sharing its own communes (as
``cpts:…`` and the editor do not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.geography import COMMUNE_CODE_COLUMNS, city_of_arrondissement, normalise_insee_code
from pipeline.sources.files import first_listed
from pipeline.sources.listing_headers import cpts_header, header_key
from pipeline.store.queries import geography, listings
from pipeline.store.territory.codes import resolve_codes, same_name
from pipeline.store.territory.file_names import check_file_names, check_names, codes_named_alike, name_column
from pipeline.store.territory.several_cpts import distinct_values, refuse_several_cpts

if TYPE_CHECKING:
    import geopandas as gpd

#: Internal column of the physical line numbers of a territory CSV (never a user's column name).
_LINE = "\x00ligne"
CODE_COLUMNS = COMMUNE_CODE_COLUMNS  # IGN Admin Express, La Poste (a review: both refused)


def code_column(columns: list[str]) -> str | None:
    """The column of ``columns`` holding commune codes, its header folded as a spreadsheet user writes it
    (« Code INSEE », « CODGEO », « code-commune »), or None."""
    folded = {header_key(c): c for c in reversed(columns)}
    return next((folded[c] for c in CODE_COLUMNS if c in folded), None)


#: Columns of the editor's export naming the listed CPTS the file redraws (name, and its listing).
REDRAWN_CPTS_COLUMN = "cpts_redessinee"
REDRAWN_LISTING_COLUMN = "liste"


@dataclass
class FileTerritory:
    """The units of a territory file, its notes, and the listed CPTS it redraws (name, listing) if any."""

    units: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    redraws: tuple[str, str] | None = None
    #: A drawn perimeter partly over no loaded commune (départements not loaded, or sea).
    beyond_the_load: bool = False


#: Map formats a perimeter is sometimes drawn in, that the tool does not read (by extension).
_OTHER_MAP_FORMATS = {".kml": "KML", ".kmz": "KMZ", ".gml": "GML", ".tab": "MapInfo TAB", ".mif": "MapInfo MIF",
                      ".gpx": "GPX", ".dxf": "DXF", ".topojson": "TopoJSON", ".fgb": "FlatGeobuf"}


def resolve_file(con: duckdb.DuckDBPyConnection, path: Path, spec: str) -> FileTerritory:
    """Read a territory file (CSV or GeoJSON); raise :class:`TerritoryError` naming the file and line."""
    if not path.exists():
        raise TerritoryError("Fichier de territoire introuvable", path)
    if path.is_dir():
        raise TerritoryError("Le territoire doit être un fichier CSV, GeoJSON, GeoPackage ou Shapefile, pas un "
                             "dossier", path)
    from pipeline.errors import DataError
    from pipeline.sources.files import check_regular_file

    try:
        check_regular_file(path)  # a FIFO or a device is named, never opened
    except DataError as exc:
        raise TerritoryError(exc.message, path) from exc
    from pipeline.sources.cpts_listing.vector_files import is_vector_file

    if path.suffix.lower() in (".geojson", ".json") or is_vector_file(path):
        units, notes, partial = _resolve_geojson(con, path, spec)
        return FileTerritory(units, notes, beyond_the_load=partial)
    if path.suffix.lower() in _OTHER_MAP_FORMATS:  # read as a CSV, a review got « 476 champs au lieu de 1 »
        raise TerritoryError(f"Format de carte non pris en charge ({_OTHER_MAP_FORMATS[path.suffix.lower()]}) : "
                             "enregistrez le périmètre en GeoJSON, GeoPackage ou Shapefile (QGIS : Exporter > "
                             "Sauvegarder les entités sous), ou donnez la liste de ses codes communes en CSV", path)
    from pipeline.sources.delimited import read_csv_checked

    titles: list[tuple[int, str]] = []
    frame = read_csv_checked(path, required=[], line_column=_LINE,
                             is_header=lambda cells: code_column(cells) is not None, titles=titles, workbook=True)
    frame, headerless = _without_header(frame, titles)
    lowered = {c.lower(): c for c in frame.columns if c != _LINE}
    column = code_column([c for c in frame.columns if c != _LINE])
    if column is None:
        read = [c for c in frame.columns if c != _LINE]
        # « 13001;Marseille 1er » on line 1: data, not a header (a review got only « colonnes lues : 13001, … »).
        data_like = any(normalise_insee_code(c)[0] is not None for c in read)
        raise TerritoryError(
            "Colonne de codes absente : attendu l'une de " + ", ".join(CODE_COLUMNS)
            + f" (colonnes lues : {', '.join(read)})"
            + (" ; la première ligne est une ligne de données, pas un en-tête : ajoutez au-dessus une ligne "
               f"d'en-tête nommant la colonne des codes (« {CODE_COLUMNS[0]} »)" if data_like else ""), path, 1)
    code_text = frame[column].fillna("").astype(str).str.strip()
    others = frame.drop(columns=[column, _LINE]).fillna("").astype(str).apply(lambda c: c.str.strip())
    # A row that names something but has no code would silently leave a commune out of the territory.
    missing = (code_text == "") & (others != "").any(axis=1)
    if missing.any():
        lines = [int(n) for n in frame.loc[missing, _LINE]]
        listed = "" if len(lines) == 1 else f" (lignes {first_listed(lines, 10)})"
        raise TerritoryError(f"Code INSEE vide dans la colonne « {column} »{listed} : la ligne serait ignorée et "
                             "sa commune absente du territoire", path, lines[0])
    codes = code_text[code_text != ""].tolist()
    places = [f"ligne {int(n)}" for n in frame.loc[code_text != "", _LINE]]
    if not codes:
        raise TerritoryError(
            f"Territoire vide : le fichier n'a aucun code dans la colonne « {column} » (en-tête seul ?)", path, 2
        )
    redraws, redraw_notes = _redrawn_cpts(con, frame, lowered, path)
    # « Nom de la CPTS », « nom_cpts »… as a listing reads them (a review: only an exact « cpts » was refused).
    if (cpts_column := cpts_header([c for c in frame.columns if c != _LINE])) is not None:
        refuse_several_cpts(_distinct_values(frame, cpts_column), cpts_column, path)
    try:
        units, notes = resolve_codes(con, codes, "codes du fichier", places,
                                     named_alike=codes_named_alike(con, frame[code_text != ""], column, _LINE))
    except TerritoryError as exc:
        raise TerritoryError(exc.message, path) from exc
    notes += check_file_names(con, frame, column, _LINE, path)
    said = ["fichier sans en-tête : chaque ligne lue comme un code commune"] if headerless else _title_note(titles)
    return FileTerritory(units, said + notes + redraw_notes, redraws)


def _without_header(frame: pd.DataFrame, titles: list[tuple[int, str]]) -> tuple[pd.DataFrame, bool]:
    """A file of one column of codes without a header line (« 04070 » on line 1) as a ``code_insee`` column, its
    first line a code like the others; any other frame as read. A review: the first code was taken for a column
    name, and the file refused (« Colonne de codes absente (colonnes lues : 04070) »)."""
    columns = [c for c in frame.columns if c != _LINE]
    if len(columns) != 1 or normalise_insee_code(columns[0])[0] is None:
        return frame, False
    line = titles[-1][0] + 1 if titles else 1
    first = pd.DataFrame({CODE_COLUMNS[0]: [columns[0]], _LINE: [line]})
    return pd.concat([first, frame.rename(columns={columns[0]: CODE_COLUMNS[0]})], ignore_index=True), True


def _title_note(titles: list[tuple[int, str]]) -> list[str]:
    """« en-tête lu ligne 2, la ligne au-dessus (« Liste des communes ») lue comme un titre », or nothing."""
    named = [text for _, text in titles if text]
    if not named:  # blank lines above the header are no titles
        return []
    above = "la ligne au-dessus" if len(titles) == 1 else f"les {len(titles)} lignes au-dessus"
    shown = f" (« {named[0][:60]} »)"
    return [f"en-tête lu ligne {titles[-1][0] + 1}, {above}{shown} lue{'s' if len(titles) > 1 else ''} comme "
            "un titre"]


def _distinct_values(frame: pd.DataFrame, column: str) -> list[tuple[str, int]]:
    """Distinct non-empty values of ``column`` in file order, each with the line it first appears on."""
    return distinct_values(frame[column], frame[_LINE])


def _redrawn_cpts(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, lowered: dict[str, str],
                  path: Path) -> tuple[tuple[str, str] | None, list[str]]:
    """The listed CPTS (name, listing) a file redraws, from the editor's export columns, and a note."""
    column = lowered.get(REDRAWN_CPTS_COLUMN)
    if column is None:
        return None, []
    names = _distinct_values(frame, column)
    listing_column = lowered.get(REDRAWN_LISTING_COLUMN)
    wanted = _distinct_values(frame, listing_column) if listing_column is not None else []
    for what, values, header in (("CPTS", names, column), ("listes", wanted, listing_column)):
        if len(values) > 1:
            shown = first_listed([f"« {v} »" for v, _ in values], 10)
            raise TerritoryError(f"Plusieurs {what} dans la colonne « {header} » ({shown}) : un fichier de "
                                 "territoire redessine une seule CPTS", path, values[1][1])
    if not names:
        return None, []
    name = names[0][0]
    known = listings.cpts_names(con)
    if wanted:  # a listing name typed « PACA » for « paca » (a review): compared as CPTS names are
        exact = known[known["listing"] == wanted[0][0]]
        known = exact if len(exact) else same_name(known, "listing", wanted[0][0])
    hits = known[known["cpts"] == name]
    if hits.empty:  # as cpts:… accepts it: accents, case, spaces and hyphens aside
        hits = same_name(known, "cpts", name)
    where = f" (liste {wanted[0][0]})" if wanted else ""
    if hits.empty:
        return None, [f"CPTS redessinée « {name} »{where} absente des listes chargées : aucune commune n'est "
                      "exclue des chevauchements à son titre"]
    if len(hits) > 1:
        shown = ", ".join(str(v) for v in hits["listing"])
        raise TerritoryError(f"CPTS redessinée « {name} » présente dans plusieurs listes chargées ({shown}) : "
                             f"précisez laquelle dans une colonne « {REDRAWN_LISTING_COLUMN} »", path,
                             names[0][1])
    name, listing = str(hits["cpts"].iloc[0]), str(hits["listing"].iloc[0])
    notes = [f"périmètre redessiné de la CPTS « {name} » (liste {listing}) : les communes qu'elle revendique ne "
             "sont pas comptées comme partagées avec elle"]
    blank = int((frame[column].fillna("").astype(str).str.strip() == "").sum())
    if blank:  # the editor writes it on every row: a hand-edited file is read whole, and told so
        notes.append(f"colonne « {column} » vide sur {blank} ligne(s) du fichier : toutes ses communes sont lues "
                     f"comme le périmètre redessiné de « {name} »")
    return (name, listing), notes


def _resolve_geojson(con: duckdb.DuckDBPyConnection, path: Path, spec: str) -> tuple[pd.DataFrame, list[str], bool]:
    from pipeline.errors import DataError
    from pipeline.sources.cpts_listing.model import raise_collected
    from pipeline.sources.cpts_listing.perimeter_members import codes_inside
    from pipeline.sources.cpts_listing.perimeters import RESERVED, read_features, reject_anomalies
    from pipeline.store.territory.drawn_empty import drawn_beyond_the_load, empty_territory_message

    try:
        frame, file_notes, errors = read_features(path, repair_invalid=True,
                                                  units_near=lambda box: geography.unit_polygons_near(con, box))
    except DataError as exc:
        raise TerritoryError(exc.message, path, exc.line) from exc
    # Property names as in a CSV header (« CPTS », « Nom de la CPTS » from a QGIS layer), as a listing reads them.
    if (named := cpts_header([str(c) for c in frame.columns if c not in RESERVED])):
        refuse_several_cpts(distinct_values(frame[named], frame["feature"] + 1), named, path, geojson=True)
    column = code_column(list(frame.columns))
    if column is not None:  # the file's own notes too: which layer was read, the CRS assumed, shapes repaired
        units, notes = _resolve_geojson_codes(con, frame, column, path)
        return units, [*file_notes, *notes], False
    try:
        raise_collected([(None, msg) for _, msg in errors], "Périmètre invalide :", path)
        reject_anomalies(frame, path)
    except DataError as exc:
        raise TerritoryError(exc.message, path) from exc
    if frame.empty or frame.geometry.isna().all() or frame.geometry.is_empty.all():
        raise TerritoryError("GeoJSON sans géométrie ni colonne de codes", path)
    # The units around the drawn perimeter, read once: its members, the rule's disagreements, the load's border.
    near = geography.unit_polygons_near(con, tuple(frame.to_crs(4326).total_bounds))
    codes = codes_inside(near, frame)
    if not codes:
        raise TerritoryError(empty_territory_message(con, frame), path)
    units_word = "unité" if len(codes) < 2 else "unités"
    notes = [*file_notes, f"{len(codes)} {units_word} (communes ; arrondissements à Paris, Lyon et Marseille) dont le "
             "point représentatif est dans le périmètre du fichier"]
    units, more = resolve_codes(con, codes, spec, typed_by_user=False)
    beyond = drawn_beyond_the_load(con, frame, near)
    return units, notes + more + _point_rule_note(near, frame, codes) + _polygonless_note(con, units) + beyond, \
        bool(beyond)


def _point_rule_note(near: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, codes: list[str]) -> list[str]:
    """The units where the representative-point rule and the area the drawn perimeter covers disagree, named with
    their covered share (the rule decides; the reader checks the border)."""
    from pipeline.geography import departement_of, equal_area_crs
    from pipeline.sources.cpts_listing.perimeter_members import point_rule_disagreements

    if near.empty:
        return []
    odd = point_rule_disagreements(near, frame, set(codes), equal_area_crs(departement_of(codes[0])))
    if odd.empty:
        return []

    def named(rows: pd.DataFrame) -> str:
        return first_listed([f"{r.nom} ({r.code}, {round(r.part * 100):.0f} %)" for r in rows.itertuples()], 10)

    left, taken = odd[~odd["compte"]], odd[odd["compte"]]
    parts = ([f"non comptées bien que couvertes à moitié ou plus : {named(left)}"] if len(left) else []) + \
            ([f"comptées bien que couvertes à moins de moitié : {named(taken)}"] if len(taken) else [])
    return ["unités dont le point représentatif décide autrement que la surface couverte par le périmètre ("
            + " ; ".join(parts) + ") : vérifiez le tracé de la limite ou donnez le territoire par ses codes"]


def _polygonless_note(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> list[str]:
    """The communes no contour can place (no polygon of their own since the 2018 contours) beside the drawn
    territory: not counted, said (a review: the Calvados drawn whole lost Sannerville's 1 905 inhabitants, the
    Cantal four communes' 731, without a word)."""
    found = geography.polygonless_beside(con, units["commune_code"].astype(str).unique())
    if found.empty:
        return []
    named = ", ".join(f"{r.nom} ({r.code}, " + ("population inconnue)" if pd.isna(r.population) else
                                              f"{int(r.population):,} habitants)".replace(",", "\u202f"))
                      for r in found.itertuples())
    if len(found) == 1:
        return [f"commune sans polygone propre (recréée après les contours 2018 : sa surface est dans celle d'une "
                f"voisine) dans l'intercommunalité d'une commune du périmètre : {named} ; les contours du fichier ne "
                "peuvent pas la placer, elle n'est pas comptée : si elle fait partie du territoire, donnez-le par "
                "ses codes (fichier de codes ou communes:…)"]
    return [f"communes sans polygone propre (recréées après les contours 2018 : leur surface est dans celle d'une "
            f"voisine) dans l'intercommunalité d'une commune du périmètre : {named} ; les contours du fichier ne "
            "peuvent pas les placer, elles ne sont pas comptées : si elles font partie du territoire, donnez-le par "
            "ses codes (fichier de codes ou communes:…)"]


def _resolve_geojson_codes(con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame, column: str,
                           path: Path) -> tuple[pd.DataFrame, list[str]]:
    """A GeoJSON with a code column: its codes, checked against its contours when it has any.

    A perimeter dissolved in QGIS keeps the ``code`` of one of its communes: read by its code it would be one
    commune. Contours covering communes that no code names make the file ambiguous: refused, naming both.
    """
    from pipeline.sources.cpts_listing.model import feature_label
    from pipeline.sources.cpts_listing.perimeter_members import units_inside
    from pipeline.store.territory.drawn_empty import contours_against_codes, held_instead

    text = frame[column].map(lambda v: _text(v).strip())
    empty = [i for i, value in enumerate(text) if not value]
    if empty:
        shown = first_listed([f"n° {i + 1}" for i in empty], 10)
        raise TerritoryError(f"Code vide dans la propriété « {column} » (entité {shown}) : l'entité serait ignorée "
                             "et sa commune absente du territoire", path)
    shapes = frame[frame.geometry.notna() & ~frame.geometry.is_empty] if "geometry" in frame else frame.iloc[0:0]
    try:
        units, code_notes = resolve_codes(con, text.tolist(), f"propriété « {column} » du fichier")
    except TerritoryError as exc:
        # A « code » that is an identifier of the perimeter (« CPTS01 »), not INSEE codes: the contours may say
        # what the file holds (a review: the property read was not named, nor the way out).
        hint = (f"\n  Si la propriété « {column} » n'est pas un code INSEE, retirez-la (ou renommez-la) pour lire le "
                "territoire d'après ses contours" if len(shapes) else "")
        if len(shapes):  # what the contours hold instead (a review was only told to load the code's département)
            near = geography.unit_polygons_near(con, tuple(shapes.to_crs(4326).total_bounds))
            inside = units_inside(pd.DataFrame(near[["code", "lon", "lat"]]), shapes.reset_index(drop=True))
            loaded = near.set_index("code")["nom"].reindex(sorted(set(inside["code"]))).dropna()
            if held := held_instead(con, loaded, shapes):
                hint += " ; ses contours contiennent le point représentatif de " + held.removeprefix(
                    " ; ils contiennent celui de ")
        raise TerritoryError(exc.message + hint, path) from exc
    if len(shapes):
        named = set(units["unit_code"].astype(str)) | set(units["commune_code"].astype(str))
        near = geography.unit_polygons_near(con, tuple(shapes.to_crs(4326).total_bounds))
        inside = units_inside(pd.DataFrame(near[["code", "lon", "lat"]]), shapes.reset_index(drop=True))
        own = geography.unit_polygons_for(con, sorted(set(units["unit_code"].astype(str))))
        held = units_inside(pd.DataFrame(own[["code", "lon", "lat"]]), shapes.reset_index(drop=True))
        instead = near.set_index("code")["nom"].reindex(sorted(set(inside["code"]))).dropna()
        notes = contours_against_codes(units, set(held["code"].astype(str)), set(own["code"].astype(str)), shapes,
                                        column, path, lambda: held_instead(con, instead, shapes))
        inside = inside[~inside["code"].isin(named) & ~inside["code"].map(
            lambda c: (city_of_arrondissement(c) or "") in named)].sort_values("code").drop_duplicates("code")
        extra = list(inside["code"])
        if extra:
            # Each named with the feature whose contour holds it (a review had to guess which one was wrong).
            shown = first_listed([f"{code} ({feature_label(int(shapes['feature'].iloc[at]))}, de code "
                                  f"« {_text(shapes[column].iloc[at]).strip()} »)"
                                  for code, at in zip(inside["code"], inside["shape"], strict=True)], 10)
            given = f"{len(units)} {'unité' if len(units) < 2 else 'unités'}"
            others = f"{len(extra)} {'autre commune' if len(extra) == 1 else 'autres communes'}"
            raise TerritoryError(
                f"Les codes de la propriété « {column} » ({given}) ne décrivent pas les contours du "
                f"fichier, qui couvrent aussi {others} : {shown}{'' if shown.endswith('…') else '.'} Retirez la "
                "propriété "
                f"« {column} » pour lire le territoire d'après ses contours, ou corrigez les codes", path)
        contour_notes = notes
        notes = code_notes + notes
    else:
        notes, contour_notes = code_notes, []
    # Without contours to confirm them, its names against its codes, as a CSV's (a review: postal codes under
    # « code » beside « nom » « Bordeaux » were read as Naujac-sur-Mer and Fontet). Contours that agree with the
    # codes are the better witness, and disagreeing names are only noted: a « nom » that is the CPTS's refused such
    # a file (a second review); one value on every feature names no commune.
    properties = [c for c in frame.columns if c != "geometry"]
    if (names := name_column(properties, column)) is not None and (
            not len(shapes) or frame[names].map(_text).nunique() > 1):
        notes += check_names(con, text.tolist(), frame[names].map(_text).tolist(),
                             list(range(1, len(frame) + 1)), names, path, row_word="entité n°",
                             confirmed=bool(len(shapes)) and not contour_notes)
    return units, notes


def _text(value: object) -> str:
    """A GeoJSON property as text: empty when null."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)
