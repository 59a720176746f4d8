"""Resolve a ``TERRITORY`` specification to a set of current communes.

Accepted forms (French users type them on the command line)::

    communes:04070,04001        codes INSEE (current, old or arrondissement)
    epci:200067106              SIREN of an EPCI
    bv:04070                    bassin de vie 2022
    departement:04 / region:93
    cpts:CPTS du Verdon         a CPTS of the loaded listings
    cpts:paca:CPTS du Verdon    the same, naming its listing (when two listings share the name)
    fichier:chemin.csv|.geojson CSV with a code column, or GeoJSON

The result lists *units*: current communes, or arrondissements municipaux
where the source names them (a CPTS of Marseille covers arrondissements, not
the whole commune). Every unit also carries its current commune.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.geography import arrondissements_of, city_of_arrondissement, normalise_insee_code, normalise_name
from pipeline.model import UNIT_COLUMNS, Territory
from pipeline.store.queries import geography, listings

if TYPE_CHECKING:
    import geopandas as gpd

#: Internal column of the physical line numbers of a territory CSV (never a user's column name).
_LINE = "\x00ligne"
KINDS = ("communes", "epci", "bv", "departement", "region", "cpts", "fichier")
CODE_COLUMNS = ("code_insee", "code", "codgeo", "insee", "code_commune", "com", "depcom")


def _suggest(value: str, names: pd.Series, codes: pd.Series, limit: int = 3) -> str:
    key = normalise_name(value)
    normalised = names.map(normalise_name)
    unique = list(normalised.unique())
    # A partial name ("Digne") is best matched by names that start with it.
    close = [n for n in unique if n.startswith(key + " ") or n == key][:limit]
    close += [n for n in difflib.get_close_matches(key, unique, n=limit, cutoff=0.6) if n not in close]
    close = close[:limit]
    if not close:
        return ""
    hits = [f"{names[normalised == c].iloc[0]} ({codes[normalised == c].iloc[0]})" for c in close]
    return " ; vouliez-vous dire : " + ", ".join(hits) + " ?"


def names_label(names: list[str]) -> str:
    """A readable French label for a list of communes: « Digne-les-Bains, Aiglun et 12 autres communes »."""
    if not names:
        return "Aucune commune"
    if len(names) == 1:
        return names[0]
    if len(names) <= 3:
        return ", ".join(names[:-1]) + " et " + names[-1]
    rest = len(names) - 2
    return f"{names[0]}, {names[1]} et {rest} autres communes"


def resolve_codes(con: duckdb.DuckDBPyConnection, values: list[str], source: str) -> tuple[pd.DataFrame, list[str]]:
    """Resolve codes (or exact commune names) to units, collecting every error."""
    # Only the rows of the given codes (and of the communes that replaced them): the whole tables are read for
    # a name only, which needs every name.
    codes = {code for raw in values if (code := normalise_insee_code(str(raw).strip())[0]) is not None}
    mapping = geography.cog_mapping(con, codes).set_index("code")
    by_code = geography.units(con, codes | set(mapping["current_code"].dropna().astype(str))).set_index("unit_code")
    named: list[pd.DataFrame] = []

    def current_names() -> pd.DataFrame:
        if not named:
            units = geography.units(con)
            # Arrondissements are units of their own: « Marseille 1er Arrondissement » is found by its name too.
            named.append(units[units["type"].isin(["commune-actuelle", "arrondissement-municipal"])])
        return named[0]

    notes: list[str] = []
    errors: list[str] = []
    rows = []
    for raw in values:
        value = str(raw).strip()
        if not value:
            continue
        code, note = normalise_insee_code(value)
        if note:
            notes.append(note)
        if code is not None and code in by_code.index:
            rows.append(by_code.loc[[code]].reset_index())
            continue
        if code is not None and code in mapping.index and pd.notna(mapping.at[code, "current_code"]):
            target = mapping.at[code, "current_code"]
            label = {"deleguee": "commune déléguée", "associee": "commune associée"}.get(
                mapping.at[code, "kind"], "ancien code")
            # An old code has no name in the mapping when it disappeared before the packages' history:
            # take the name it last had in the COG, and never print « nan ».
            former = mapping.at[code, "nom"]
            if pd.isna(former) or not str(former).strip():
                former = geography.commune_names(con, {code}).get(code, "nom inconnu")
            notes.append(
                f"{code} ({former}, {label}) rattaché à la commune actuelle {target} "
                f"({by_code.at[target, 'nom']})"
            )
            rows.append(by_code.loc[[target]].reset_index())
            continue
        if code is not None:
            errors.append(f"code INSEE inconnu : {value}")
            continue
        # Not a code: accept an exact (accent- and case-insensitive) unique commune name.
        key = normalise_name(value)
        hits = current_names()[current_names()["nom"].map(normalise_name) == key]
        if len(hits) == 1:
            what = "l'arrondissement" if hits.iloc[0]["type"] == "arrondissement-municipal" else "la commune"
            notes.append(f"« {value} » lu comme {what} {hits.iloc[0]['unit_code']}")
            rows.append(hits.iloc[[0]])
        elif len(hits) > 1:
            listed = ", ".join(f"{r.nom} ({r.unit_code}, dép. {r.departement})" for r in hits.itertuples())
            errors.append(f"« {value} » est ambigu : {listed} ; donnez le code INSEE")
        else:
            errors.append(
                f"« {value} » n'est ni un code INSEE ni un nom de commune connu"
                + _suggest(value, current_names()["nom"], current_names()["unit_code"])
            )
    if errors:
        raise TerritoryError(f"Territoire non résolu ({source}) :\n  - " + "\n  - ".join(errors))
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=UNIT_COLUMNS)
    duplicated = frame["unit_code"].duplicated()
    if duplicated.any():
        notes.append("codes en double ignorés : " + ", ".join(sorted(set(frame.loc[duplicated, "unit_code"]))))
        frame = frame[~duplicated]
    # A city given with some of its arrondissements: they are inside it, and counting them again would add
    # their population twice (Marseille and its 1er: 886 040 + 37 599).
    cities = frame.loc[frame["unit_code"].map(lambda c: bool(arrondissements_of(str(c)))), ["unit_code", "nom"]]
    city_of = frame["unit_code"].map(lambda c: city_of_arrondissement(str(c)))
    inside = city_of.isin(set(cities["unit_code"]))
    for city, name in cities.itertuples(index=False):
        within = sorted(frame.loc[inside & (city_of == city), "unit_code"])
        if within:
            notes.append(f"arrondissements déjà compris dans la commune {city} ({name}), ignorés : "
                         + ", ".join(within))
    frame = frame[~inside]
    return frame[UNIT_COLUMNS].reset_index(drop=True), notes


def resolve_territory(con: duckdb.DuckDBPyConnection, spec: str, name: str | None = None) -> Territory:
    """Resolve ``spec`` (see module docstring); raise :class:`TerritoryError` in French.

    ``name`` (``NOM=``) replaces the label of the territory in titles.
    """
    if ":" not in spec:
        raise TerritoryError(
            f"Spécification de territoire invalide « {spec} » : attendu TYPE:VALEUR avec TYPE parmi "
            + ", ".join(KINDS)
        )
    kind, _, value = spec.partition(":")
    kind = kind.strip().lower()
    value = value.strip()
    if kind not in KINDS:
        raise TerritoryError(f"Type de territoire inconnu « {kind} » : attendu l'un de " + ", ".join(KINDS))
    if not value:
        raise TerritoryError(f"Territoire vide : aucune valeur après « {kind}: »")
    notes: list[str] = []
    cpts = listing = None
    shared_name = False
    if kind == "communes":
        units, notes = resolve_codes(con, re.split(r"[,;]+", value), spec)
        label = names_label(list(units["nom"]))
    elif kind == "epci":
        epci = geography.epci_name(con, value)
        if epci is None:
            names = geography.epcis(con)
            raise TerritoryError(f"EPCI inconnu : {value}" + _suggest(value, names["nom"], names["code"]))
        units = geography.communes_of_epci(con, value)
        label = epci
    elif kind == "bv":
        bv = geography.bassin_de_vie_name(con, value)
        if bv is None:
            names = geography.bassins_de_vie(con)
            raise TerritoryError(
                f"Bassin de vie 2022 inconnu : {value}" + _suggest(value, names["libelle"], names["code"])
            )
        units, notes = resolve_codes(con, geography.communes_of_bassin_de_vie(con, value), spec)
        label = f"Bassin de vie de {bv} (BV2022 {value})"
    elif kind in ("departement", "region"):
        code = value.upper().zfill(2)
        found = geography.departement_name(con, code) if kind == "departement" else geography.region_name(con, code)
        if found is None:
            names = geography.departements(con) if kind == "departement" else geography.regions(con)
            # Its exact name (accents, case and hyphens aside), as the suggestion below would print it.
            same = names[names["nom"].map(normalise_name) == normalise_name(value)]
            if len(same) == 1:
                code, found = str(same["code"].iloc[0]), str(same["nom"].iloc[0])
        if found is None:
            word = "Département inconnu" if kind == "departement" else "Région inconnue"
            raise TerritoryError(f"{word} : {value}" + _suggest(value, names["nom"], names["code"]))
        units = geography.communes_where(con, kind, code)
        label = found
    elif kind == "cpts":
        units, notes, cpts, listing, shared_name = _resolve_cpts(con, value)
        # The listing is named only where two listings hold the same CPTS name.
        label = f"{cpts} (liste {listing})" if shared_name else cpts
    else:
        units, notes = _resolve_file(con, Path(value).expanduser(), spec)
        label = f"Territoire du fichier {Path(value).name}"
    if units.empty:
        if kind == "fichier":
            raise TerritoryError("Territoire vide : le fichier ne contient aucune commune", Path(value).expanduser())
        raise TerritoryError(f"Territoire vide : « {spec} » ne contient aucune commune")
    _reject_com_only(con, units, spec)
    units = units.reset_index(drop=True)
    units["population"] = units["population"].astype("Int64")
    if name:
        label = name.strip()
    return Territory(spec=spec, kind=kind, label=label, units=units, notes=notes, cpts=cpts, listing=listing,
                     name=name.strip() if name else None, shared_name=shared_name)


def _reject_com_only(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, spec: str) -> None:
    """Refuse a territory made only of communes of collectivités d'outre-mer (zone ``com``).

    Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna,
    Polynésie française and Nouvelle-Calédonie have no APL of the DREES and no
    commune polygons in the loaded contours, and the CPTS agreement (ACI) does
    not apply there: a diagnostic would be empty or wrong.
    """
    zones = geography.zone_codes(con, sorted(set(units["commune_code"].astype(str))))
    if len(zones) and (zones["zone"] == "com").all():
        raise TerritoryError(
            f"Territoire « {spec} » hors du champ du diagnostic : il ne compte que des communes de collectivités "
            "d'outre-mer (COM : Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna, "
            "Polynésie française, Nouvelle-Calédonie), sans APL de la DREES ni contours communaux, et où "
            "l'accord conventionnel des CPTS ne s'applique pas"
        )


def _resolve_cpts(
    con: duckdb.DuckDBPyConnection, name: str
) -> tuple[pd.DataFrame, list[str], str, str, bool]:
    names = listings.cpts_names(con)
    if names.empty:
        raise TerritoryError("Aucune liste de CPTS n'est chargée : lancez « make data » (ou make data CPTS=…)")
    exact = names[names["cpts"] == name]
    if exact.empty:
        exact = names[names["cpts"].map(normalise_name) == normalise_name(name)]
    if exact.empty and ":" in name:
        # « cpts:LISTE:NOM » names the listing when two listings share a CPTS name.
        wanted_listing, _, wanted_name = name.partition(":")
        in_listing = names[names["listing"] == wanted_listing.strip()]
        exact = in_listing[in_listing["cpts"] == wanted_name.strip()]
        if exact.empty:
            exact = in_listing[in_listing["cpts"].map(normalise_name) == normalise_name(wanted_name)]
    if exact.empty:
        raise TerritoryError(f"CPTS inconnue : « {name} »" + _suggest(name, names["cpts"], names["listing"]))
    if len(exact) > 1:
        listed = ", ".join(f"« {r.cpts} » (liste {r.listing})" for r in exact.itertuples())
        how = " ou ".join(f"« cpts:{r.listing}:{r.cpts} »" for r in exact.itertuples())
        raise TerritoryError(
            f"Nom de CPTS ambigu : {listed} ; précisez la liste, par exemple {how}"
        )
    cpts, listing = str(exact.iloc[0]["cpts"]), str(exact.iloc[0]["listing"])
    shared = int((names["cpts"].map(normalise_name) == normalise_name(cpts)).sum()) > 1
    units, notes = resolve_codes(con, listings.member_units(con, cpts, listing), f"cpts:{cpts}")
    return units, notes, cpts, listing, shared


def _resolve_file(con: duckdb.DuckDBPyConnection, path: Path, spec: str) -> tuple[pd.DataFrame, list[str]]:
    if not path.exists():
        raise TerritoryError("Fichier de territoire introuvable", path)
    if path.is_dir():
        raise TerritoryError("Le territoire doit être un fichier CSV ou GeoJSON, pas un dossier", path)
    from pipeline.errors import DataError
    from pipeline.sources.files import check_regular_file

    try:
        check_regular_file(path)  # a FIFO or a device is named, never opened
    except DataError as exc:
        raise TerritoryError(exc.message, path) from exc
    if path.suffix.lower() in (".geojson", ".json"):
        return _resolve_geojson(con, path, spec)
    from pipeline.sources.delimited import read_csv_checked

    frame = read_csv_checked(path, required=[], line_column=_LINE)
    lowered = {c.lower(): c for c in frame.columns if c != _LINE}
    column = next((lowered[c] for c in CODE_COLUMNS if c in lowered), None)
    if column is None:
        raise TerritoryError(
            "Colonne de codes absente : attendu l'une de " + ", ".join(CODE_COLUMNS)
            + f" (colonnes lues : {', '.join(c for c in frame.columns if c != _LINE)})", path, 1)
    code_text = frame[column].fillna("").astype(str).str.strip()
    others = frame.drop(columns=[column, _LINE]).fillna("").astype(str).apply(lambda c: c.str.strip())
    # A row that names something but has no code would silently leave a commune out of the territory.
    missing = (code_text == "") & (others != "").any(axis=1)
    if missing.any():
        lines = [int(n) for n in frame.loc[missing, _LINE]]
        listed = "" if len(lines) == 1 else f" (lignes {_first(lines)})"
        raise TerritoryError(f"Code INSEE vide dans la colonne « {column} »{listed} : la ligne serait ignorée et "
                             "sa commune absente du territoire", path, lines[0])
    codes = code_text[code_text != ""].tolist()
    if not codes:
        raise TerritoryError(
            f"Territoire vide : le fichier n'a aucun code dans la colonne « {column} » (en-tête seul ?)", path, 2
        )
    try:
        return resolve_codes(con, codes, "codes du fichier")
    except TerritoryError as exc:
        raise TerritoryError(exc.message, path) from exc


def _resolve_geojson(con: duckdb.DuckDBPyConnection, path: Path, spec: str) -> tuple[pd.DataFrame, list[str]]:
    from pipeline.errors import DataError
    from pipeline.sources.cpts_listing.model import raise_collected
    from pipeline.sources.cpts_listing.perimeters import read_features, reject_anomalies

    try:
        frame, file_notes, errors = read_features(path, repair_invalid=True)
    except DataError as exc:
        raise TerritoryError(exc.message, path, exc.line) from exc
    lowered = {c.lower(): c for c in frame.columns}
    column = next((lowered[c] for c in CODE_COLUMNS if c in lowered), None)
    if column is not None:
        return _resolve_geojson_codes(con, frame, column, path)
    try:
        raise_collected([(None, msg) for _, msg in errors], "Périmètre invalide :", path)
        reject_anomalies(frame, path)
    except DataError as exc:
        raise TerritoryError(exc.message, path) from exc
    if frame.empty or frame.geometry.isna().all() or frame.geometry.is_empty.all():
        raise TerritoryError("GeoJSON sans géométrie ni colonne de codes", path)
    codes = _codes_inside(con, frame)
    if not codes:
        west, south, east, north = frame.total_bounds
        raise TerritoryError(
            "Territoire vide : le périmètre du fichier ne contient le point représentatif d'aucune commune "
            f"(emprise lon {west:.3f} à {east:.3f}, lat {south:.3f} à {north:.3f} ; coordonnées attendues en "
            "longitude/latitude WGS84 ou avec un CRS déclaré)",
            path,
        )
    notes = [*file_notes, f"{len(codes)} communes dont le point représentatif est dans le périmètre du fichier"]
    units, more = resolve_codes(con, codes, spec)
    return units, notes + more


def _first(items: Sequence[object], limit: int = 10) -> str:
    """« a, b, c » for the first ``limit`` items, « … » after when there are more."""
    return ", ".join(str(i) for i in items[:limit]) + (" …" if len(items) > limit else "")


def _codes_inside(con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame) -> list[str]:
    """Codes of the communes whose representative point lies inside the features' geometries."""
    import geopandas as gpd

    located = geography.commune_points(con)
    points = gpd.GeoDataFrame(located[["code"]], geometry=gpd.points_from_xy(located["lon"], located["lat"]),
                              crs=4326)
    inside = gpd.sjoin(points, frame[["geometry"]], predicate="within", how="inner")
    return sorted(inside["code"].unique())


def _resolve_geojson_codes(con: duckdb.DuckDBPyConnection, frame: gpd.GeoDataFrame, column: str,
                           path: Path) -> tuple[pd.DataFrame, list[str]]:
    """A GeoJSON with a code column: its codes, checked against its contours when it has any.

    A perimeter dissolved in QGIS keeps the ``code`` of one of its communes: read by its code it would be one
    commune. Contours covering communes that no code names make the file ambiguous: refused, naming both.
    """
    text = frame[column].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    empty = [i for i, value in enumerate(text) if not value]
    if empty:
        shown = _first([f"n° {i}" for i in empty])
        raise TerritoryError(f"Code vide dans la propriété « {column} » (entité {shown}) : l'entité serait ignorée "
                             "et sa commune absente du territoire", path)
    try:
        units, notes = resolve_codes(con, text.tolist(), "codes du fichier")
    except TerritoryError as exc:
        raise TerritoryError(exc.message, path) from exc
    shapes = frame[frame.geometry.notna() & ~frame.geometry.is_empty] if "geometry" in frame else frame.iloc[0:0]
    if len(shapes):
        named = set(units["unit_code"].astype(str)) | set(units["commune_code"].astype(str))
        extra = [c for c in _codes_inside(con, shapes)
                 if c not in named and (city_of_arrondissement(c) or "") not in named]
        if extra:
            shown = _first(extra)
            raise TerritoryError(
                f"Les codes de la propriété « {column} » ({len(units)} unité(s)) ne décrivent pas les contours du "
                f"fichier, qui couvrent aussi {len(extra)} autre(s) commune(s) : {shown}. Retirez la propriété "
                f"« {column} » pour lire le territoire d'après ses contours, ou corrigez les codes", path)
    return units, notes
