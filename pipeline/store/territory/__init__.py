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

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.geography import (
    analysis_unit_count,
    ascii_fold,
    city_of_arrondissement,
    normalise_insee_code,
    normalise_name,
    of_place,
    slugify,
)
from pipeline.model import Territory
from pipeline.store.queries import beyond_the_load, geography, listings, perimeter, provenance
from pipeline.store.territory import beyond_zones
from pipeline.store.territory.code_hint import cpts_code_hint
from pipeline.store.territory.codes import (
    absent_zone,
    loaded_part,
    names_label,
    resolve_codes,
    same_name,
    suggest,
    zone_of_france,
)
from pipeline.store.territory.files import CODE_COLUMNS, resolve_file
from pipeline.store.territory.memberless import cpts_spec, none_in_the_load, refuse_memberless

__all__ = ["CODE_COLUMNS", "KINDS", "absent_zone", "loaded_part", "names_label", "resolve_codes", "resolve_territory",
           "resolve_zone"]

KINDS = ("communes", "epci", "bv", "departement", "region", "cpts", "fichier")
#: Acronyms of régions in common use in ARS and regional documents (``region:PACA``), to their codes; « Région
#: Sud », the name Provence-Alpes-Côte d'Azur goes by in its own documents (a review: « region:Sud » was refused).
REGION_ACRONYMS = {"PACA": "93", "IDF": "11", "ARA": "84", "AURA": "84", "BFC": "27", "HDF": "32", "CVL": "24",
                   "NAQ": "75", "PDL": "52", "OCC": "76", "GE": "44", "SUD": "93", "REGIONSUD": "93"}


def resolve_zone(con: duckdb.DuckDBPyConnection, kind: str, value: str) -> tuple[str, str]:
    """(code, name) of the département or région (``kind``) typed as ``value``: its code (« 4 » for 04), an
    acronym of a région (PACA), or its name (accents, case and hyphens aside).

    Raises
    ------
    TerritoryError
        A zone of France outside a database loaded for some départements (« Région Grand Est (44) : aucun de ses
        départements n'est chargé … », whether typed by code or name), or no such zone (with the nearest names).
    """
    value = str(value).strip()
    if kind == "departement" and re.fullmatch(r"0(?:\d\d|2[ABab])", value):
        value = value[1:]  # « 013 », as some INSEE files write a département of metropolitan France
    code = (REGION_ACRONYMS.get(ascii_fold(value).upper().replace(" ", "").replace("-", ""), value)
            if kind == "region" else value).upper().zfill(2)
    found = geography.departement_name(con, code) if kind == "departement" else geography.region_name(con, code)
    if found is not None:
        return code, found
    names = geography.departements(con) if kind == "departement" else geography.regions(con)
    # Its exact name (accents, case and hyphens aside), as the suggestion below would print it.
    same = same_name(names, "nom", value)
    if len(same) == 1:
        return str(same["code"].iloc[0]), str(same["nom"].iloc[0])
    # A name of France's, its zone outside the load: « Région Grand Est (44) : aucun de ses départements… ».
    if absent := absent_zone(con, kind, zone_of_france(kind, value) or code):
        raise TerritoryError(absent)
    word = "Département inconnu" if kind == "departement" else "Région inconnue"
    # The Métropole de Lyon and the Rhône's other communes are one département of the COG (a review typed 69M).
    lyon = (" ; la Métropole de Lyon (69M) et le Rhône (69D) sont le département 69 du COG : departement:69, ou "
            "epci:200046977 pour la Métropole") if kind == "departement" and code in ("69M", "69D") else ""
    raise TerritoryError(f"{word} : {value}" + suggest(value, names["nom"], names["code"]) + lyon)


def resolve_territory(con: duckdb.DuckDBPyConnection, spec: str, name: str | None = None) -> Territory:
    """Resolve ``spec`` (see module docstring); raise :class:`TerritoryError` in French.

    ``name`` (``NOM=``) replaces the label of the territory in titles; blank, it is no name (a review: « --nom
    "   " » titled the report « Diagnostic territorial – »).
    """
    name = name.strip() if name is not None and name.strip() else None
    if name is not None and any(ord(c) < 32 or ord(c) == 127 for c in name):
        # A control character (a tab or a line typed into NOM=) cannot go into the titles and file properties: the
        # workbook refused it after the computation (a review, « CPTS\x01test »).
        raise TerritoryError(f"Nom du territoire invalide {name!r} : il contient un caractère de contrôle (tabulation, "
                             "retour à la ligne…) ; donnez un nom sur une seule ligne")
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
    if kind == "fichier" and (bare := _bare_path(value)) != value:
        value, spec = bare, f"fichier:{bare}"  # the same file, the same folder of outputs
    notes: list[str] = []
    cpts = listing = None
    redraws: tuple[str, str] | None = None
    shared_name = slug_clash = False
    partial = False  # part of the zone lies in départements the database was not loaded for
    whole: int | None = None  # then the zone's whole population, when the national COG gives it
    canonical = None  # a zone's identifier as resolved, whatever its spelling (its output folder)
    if kind == "communes":
        units, notes = resolve_codes(con, _commune_items(value), spec)
        label = names_label(list(units["nom"]),
                            int((units["type"].iloc[2:] == "arrondissement-municipal").sum()) if len(units) > 3 else 0)
    elif kind == "epci":
        value = re.sub(r"[\s.\u00a0\u202f]", "", value) if re.fullmatch(r"[\d\s.\u00a0\u202f]+", value) else value
        epci = geography.epci_name(con, value)  # a SIREN copied as « 200 067 106 » is 200067106
        if epci is None:  # a name: the COG's of a loaded EPCI (« CC des 2 Vallées »), or an INSEE label of any
            # (« CC des Deux Vallées », borne by that one and another): a re-check got one EPCI on a national load,
            # two on a load of some départements, for the same name.
            named = sorted({*map(str, same_name(geography.epcis(con), "nom", value)["code"]),
                            *beyond_zones.epcis_named(con, value)})
            if len(named) > 1:
                raise beyond_zones.homonyms(con, "EPCI", value, named)
            if named:
                value, epci = named[0], geography.epci_name(con, named[0])
        if epci is None:
            loaded = provenance.loaded_departements(con)
            if loaded and (elsewhere := geography.epci_departements(con, value)):
                raise TerritoryError(
                    f"EPCI {value} hors des départements chargés (ses communes sont dans {', '.join(elsewhere)} ; "
                    f"base limitée à {', '.join(loaded)}) : ajoutez-les avec « make data DEPARTEMENTS="
                    f"{','.join(sorted(set(loaded) | set(elsewhere)))} »")
            names = geography.epcis(con)
            # A load of some départements keeps the COG's names of their EPCI only (« CC des 2 Vallées », of the
            # Essonne, was unknown where its INSEE label « Communauté de communes des Deux Vallées » is found).
            how = (f" ; hors des départements chargés ({', '.join(loaded)}), un EPCI se nomme par son libellé INSEE "
                   "(« Communauté de communes … ») ou par son code SIREN" if loaded and not value.isdigit() else "")
            raise TerritoryError(f"EPCI inconnu : {value}" + suggest(value, names["nom"], names["code"]) + how)
        units = geography.communes_of_epci(con, value)
        canonical = f"epci:{value}"
        notes = _beyond_the_load(con, "EPCI", value, units, "cet EPCI")
        partial = bool(notes)
        whole = perimeter.zone_population(con, "EPCI", value) if partial else None
        label = epci
    elif kind == "bv":
        code, zero = normalise_insee_code(value)  # a bassin de vie is named by its pole commune's code
        restored = [zero] if code is not None and zero is not None and \
            geography.bassin_de_vie_name(con, code) is not None else []
        value = code if restored and code is not None else value
        bv = geography.bassin_de_vie_name(con, value)
        if bv is None and len(same := same_name(geography.bassins_de_vie(con), "libelle", value)) == 1:
            value, bv = str(same["code"].iloc[0]), str(same["libelle"].iloc[0])  # its exact name, as suggested
        elif bv is None and len(same) > 1:
            raise beyond_zones.homonyms(con, "BV2022", value, sorted(str(c) for c in same["code"]))
        if bv is None:
            names = geography.bassins_de_vie(con)
            # An arrondissement is in its city's bassin de vie (a review typed « bv:69381 »).
            city = city_of_arrondissement(value.strip())
            hint = f" ; un arrondissement est dans le bassin de vie de sa commune : bv:{city}" if city else ""
            raise TerritoryError(
                f"Bassin de vie 2022 inconnu : {value}" + suggest(value, names["libelle"], names["code"]) + hint
            )
        if not (members := geography.communes_of_bassin_de_vie(con, value)):
            raise beyond_zones.bassin_de_vie_not_loaded(con, value, bv)
        units, notes = resolve_codes(con, members, spec, typed_by_user=False)
        canonical = f"bv:{value}"
        beyond = _beyond_the_load(con, "BV2022", value, units, "ce bassin de vie")
        notes = restored + notes + beyond
        partial = bool(beyond)
        whole = perimeter.zone_population(con, "BV2022", value) if partial else None
        label = f"Bassin de vie {of_place(bv)} (BV2022 {value})"
    elif kind in ("departement", "region"):
        # Several zones together (« departement:2A,2B », Corsica): a review saw it called « inconnu ».
        zones = list(dict.fromkeys(resolve_zone(con, kind, part) for part in re.split(r"[,;]+", value)
                                   if part.strip()))
        parts = [loaded_part(con, kind, code, found) for code, found in zones]
        canonical = f"{kind}:{','.join(sorted(code for code, _ in zones))}"  # « 13,04 » is « 04,13 »
        units = pd.concat([geography.communes_where(con, kind, code) for code, _ in zones], ignore_index=True)
        labels = [part_label for part_label, _ in parts]
        label = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " et " + labels[-1]
        notes = [note for _, part_notes in parts for note in part_notes]
        partial = bool(notes)
        whole = beyond_the_load.population_where(con, kind, [code for code, _ in zones]) if partial else None
    elif kind == "cpts":
        units, notes, cpts, listing, shared_name, slug_clash = _resolve_cpts(con, value)
        # The listing is named only where two listings hold the same CPTS name.
        label = f"{cpts} (liste {listing})" if shared_name else cpts
    else:
        read = resolve_file(con, Path(value).expanduser(), spec)
        units, notes, redraws, partial = read.units, read.notes, read.redraws, read.beyond_the_load
        label = f"Territoire du fichier {Path(value).name}"
    if units.empty:
        if kind == "fichier":
            raise TerritoryError("Territoire vide : le fichier ne contient aucune commune", Path(value).expanduser())
        raise TerritoryError(f"Territoire vide : « {spec} » ne contient aucune commune")
    _reject_com_only(con, units, spec)
    units = units.reset_index(drop=True)
    units["population"] = units["population"].astype("Int64")
    if name:
        label = name
    return Territory(spec=spec, kind=kind, label=label, units=units, notes=notes, cpts=cpts, listing=listing,
                     name=name, shared_name=shared_name, slug_clash=slug_clash,
                     redraws=redraws, beyond_the_load=partial, canonical=canonical, whole_population=whole)


def _bare_path(value: str) -> str:
    """A path as pasted: quoted (« "D:/CPTS/périmètre.csv" » from « Copier en tant que chemin d'accès », '…' from a
    terminal) or as a ``file://`` address from a file manager, without the quotes or the scheme (a review:
    « Fichier de territoire introuvable » for an existing file)."""
    for left, right in (('"', '"'), ("'", "'"), ("«", "»")):
        if len(value) > 1 and value.startswith(left) and value.endswith(right):
            value = value[1:-1].strip()
            break
    if value.lower().startswith("file://"):
        value = unquote(urlparse(value).path)
    return value


def _commune_items(value: str) -> list[str]:
    """The items of ``communes:``: separated by commas or semicolons, or by spaces when each is a code
    (« 04070 04001 », as copied from a column); a name keeps its spaces (« Digne les Bains »)."""
    items = re.split(r"[,;]+", value)
    spaced = [item.split() for item in items]
    return [part for item, parts in zip(items, spaced, strict=True)
            for part in (parts if len(parts) > 1 and all(re.fullmatch(r"\d[\dAaBb]\d{2,3}", p) for p in parts)
                         else [item])]


def _reject_com_only(con: duckdb.DuckDBPyConnection, units: pd.DataFrame, spec: str) -> None:
    """Refuse a territory made only of communes of collectivités d'outre-mer (zone ``com``).

    Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna,
    Polynésie française and Nouvelle-Calédonie have no APL of the DREES and no
    commune polygons in the loaded contours: a diagnostic would be empty or
    wrong. The message says no more than that: whether the CPTS agreement
    applies differs between them (Saint-Barthélemy and Saint-Martin are under
    the general health-insurance scheme, through the CGSS of Guadeloupe).
    """
    zones = geography.zone_codes(con, sorted(set(units["commune_code"].astype(str))))
    if len(zones) and (zones["zone"] == "com").all():
        raise TerritoryError(
            f"Territoire « {spec} » hors du champ du diagnostic : il ne compte que des communes de collectivités "
            "d'outre-mer (COM : Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna, "
            "Polynésie française, Nouvelle-Calédonie), pour lesquelles les sources du diagnostic n'ont ni APL de "
            "la DREES ni contours communaux : ses chiffres seraient vides ou faux"
        )


def _resolve_cpts(
    con: duckdb.DuckDBPyConnection, name: str
) -> tuple[pd.DataFrame, list[str], str, str, bool, bool]:
    names = listings.cpts_names(con)
    if names.empty:
        none_in_the_load(con, name, names)
    exact = names[names["cpts"] == name]
    if exact.empty:
        exact = same_name(names, "cpts", name)
    if exact.empty and ":" in name:
        # « cpts:LISTE:NOM » names the listing when two listings share a CPTS name. A listing's own name may hold
        # « : » (a review: a listing « a:b » could not name its « CPTS du Verdon »): loaded names first, longest first.
        # Its case aside: « PACA » is the listing « paca » (a review got « CPTS inconnue »).
        prefixes = sorted({str(lst) for lst in names["listing"] if name.lower().startswith(f"{str(lst).lower()}:")},
                          key=len, reverse=True)
        wanted_listing, _, wanted_name = (
            (prefixes[0], ":", name[len(prefixes[0]) + 1:]) if prefixes else name.partition(":"))
        in_listing = names[names["listing"] == wanted_listing.strip()]
        exact = in_listing[in_listing["cpts"] == wanted_name.strip()]
        if exact.empty:
            exact = same_name(in_listing, "cpts", wanted_name)
        if exact.empty and not prefixes and len(elsewhere := same_name(names, "cpts", wanted_name)):
            loaded = sorted({str(lst) for lst in names["listing"]})
            how = " ou ".join(f"« cpts:{r.listing}:{r.cpts} »" for r in elsewhere.itertuples())
            raise TerritoryError(f"Liste de CPTS « {wanted_listing.strip()} » non chargée (listes chargées : "
                                 f"{', '.join(loaded)}) : « {wanted_name.strip()} » est dans {how}")
    if exact.empty:
        hint = suggest(name, names["cpts"], names["listing"], shown=cpts_spec(names))
        hint += cpts_code_hint(con, name, cpts_spec(names))
        refuse_memberless(con, name, names)
        raise TerritoryError(f"CPTS inconnue : « {name} »" + hint)
    if len(exact) > 1:
        listed = ", ".join(f"« {r.cpts} » (liste {r.listing})" for r in exact.itertuples())
        how = " ou ".join(f"« cpts:{r.listing}:{r.cpts} »" for r in exact.itertuples())
        raise TerritoryError(
            f"Nom de CPTS ambigu : {listed} ; précisez la liste, par exemple {how}"
        )
    cpts, listing = str(exact.iloc[0]["cpts"]), str(exact.iloc[0]["listing"])
    shared = len(same_name(names, "cpts", cpts)) > 1
    units, notes = resolve_codes(con, listings.member_units(con, cpts, listing), f"cpts:{cpts}", typed_by_user=False)
    return units, notes, cpts, listing, shared, _slug_clash(names, cpts, listing)


def _slug_clash(names: pd.DataFrame, cpts: str, listing: str) -> bool:
    """Whether another loaded CPTS's folder name would be this one's (:attr:`Territory.slug`'s words)."""
    normalised = names["cpts"].map(normalise_name)
    shared = normalised.map(normalised.value_counts()) > 1

    def words(name: str, of_listing: str, named: bool) -> str:
        return slugify(f"cpts {of_listing} {name}" if named else f"cpts {name}", max_length=80, default="territoire")

    mine = words(cpts, listing, bool(shared[(names["cpts"] == cpts) & (names["listing"] == listing)].any()))
    others = [words(str(r.cpts), str(r.listing), bool(s)) for r, s in zip(names.itertuples(), shared, strict=True)
              if (r.cpts, r.listing) != (cpts, listing)]
    return mine in others


def _beyond_the_load(con: duckdb.DuckDBPyConnection, level: str, zone: str, units: pd.DataFrame,
                     what: str) -> list[str]:
    """A note when a bassin de vie or an EPCI crosses the loaded départements (its size in the whole country).

    Sizes are counted in analysis units (a split city as its arrondissements), as ``zones_unites`` holds them;
    the note counts as the territory's headline does, a city held whole as one unit (a review: « 90 unités »
    beside « 2 unités de cet EPCI sur 107 », Marseille counted 16 times in the second).
    """
    bassins, epcis = perimeter.zone_sizes(con)
    total = (bassins if level == "BV2022" else epcis).get(zone)
    loaded = sum(analysis_unit_count(str(code)) for code in units["unit_code"])
    if total is None or loaded >= total:
        return []
    missing, shown = total - loaded, total - loaded + len(units)
    word = "unité" if missing == 1 else "unités"
    return [f"{missing} {word} de {what} sur {shown} hors des départements chargés : le territoire ne "
            "contient que la partie chargée, et ses chiffres ne portent que sur elle"]

