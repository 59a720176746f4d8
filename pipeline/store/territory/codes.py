"""Codes and names of communes resolved to analysis units, every error collected."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Collection

import duckdb
import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.geography import (
    CITY_NAMES,
    REGION_DEPARTEMENTS,
    REGION_NAMES,
    arrondissements_of,
    city_of_arrondissement,
    departement_of,
    loaded_scope,
    name_words,
    normalise_insee_code,
    normalise_name,
    paris_postal_arrondissement,
    slugify,
)
from pipeline.geography import outside_the_load as not_loaded
from pipeline.model import UNIT_COLUMNS
from pipeline.sources.contours_download import department_slugs
from pipeline.sources.files import first_listed
from pipeline.store.queries import geography, provenance
from pipeline.store.territory.code_hints import (
    corsican_hint,
    paris_postal_code,
    postal_code_hint,
    postal_codes_of_a_city,
)
from pipeline.store.territory.former_names import (
    FORMER_LABELS,
    named_rows,
    read_former_names,
    unloaded_listed,
    unloaded_rows,
)

#: Errors a refused list of codes shows; the others are counted (a file of a million unknown codes).
MAX_ERRORS_SHOWN = 50


def _grouped(count: int) -> str:
    """« 199 950 »: a count in French (the store does not import the report's formatter)."""
    return f"{count:,}".replace(",", "\u202f")


def same_name(rows: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    """The rows whose ``column`` is ``value``, accents, case and hyphens aside (a name typed as a suggestion prints
    it: « epci:ca provence alpes agglomeration », « cpts:cpts du  VERDON »)."""
    return rows[rows[column].map(normalise_name) == normalise_name(value)]


def suggest(value: str, names: pd.Series, codes: pd.Series, limit: int = 3,
            shown: Callable[[str, str], str] | None = None) -> str:
    """« ; vouliez-vous dire : … ? » naming up to ``limit`` of ``names`` close to ``value``, with their codes.

    ``shown(name, code)`` writes a suggestion (default « name (code) »): a CPTS is suggested as the territory to
    type back (« cpts:paca:CPTS du Verdon »), never as « CPTS du Verdon (paca) », which is no CPTS's name.
    """
    # Compared without the words every CPTS name starts with: « CPTS Inconnue » was close to « CPTS Guil Durance »
    # by « CPTS » alone, « cpts:cpts » close to any (reviews); the long form is read as « CPTS ».
    def core(name: str) -> str:
        return re.sub(r"^(?:cpts|communaute professionnelle territoriale de sante)(?:\s+|$)", "", name)

    key = normalise_name(value)
    if not core(key):
        return ""
    key = "cpts " + core(key) if core(key) != key else key
    normalised = names.map(normalise_name)
    unique = list(normalised.unique())
    # A partial name ("Digne") is best matched by names that start with it.
    close = [n for n in unique if n.startswith(key + " ") or n == key][:limit]
    cores = {core(n): n for n in reversed(unique)}
    close += [cores[n] for n in difflib.get_close_matches(core(key), list(cores), n=limit, cutoff=0.6)
              if cores[n] not in close]
    close = close[:limit]
    if not close:
        return ""
    write = shown or (lambda name, code: f"{name} ({code})")
    # Every bearer of a close name: « CPTS du Verdon » of two listings are two suggestions (a review was offered
    # the second listing's only).
    hits = list(dict.fromkeys(write(str(name), str(code)) for c in close
                              for name, code in zip(names[normalised == c], codes[normalised == c], strict=True)))
    return " ; vouliez-vous dire : " + ", ".join(hits) + " ?"


def outside_the_load(con: duckdb.DuckDBPyConnection, departement: str | None) -> str | None:
    """`` : hors des départements chargés (…)`` when ``departement`` exists but the database, restricted by
    ``data --departements``, does not hold it (else None): « inconnu » would send the user looking for a typo."""
    loaded = provenance.loaded_departements(con)
    if departement is None or not not_loaded(departement, loaded):
        return None
    return f" : hors des départements chargés (base limitée à {', '.join(loaded)} ; " \
           f"{add_departements_command(loaded, [departement])})"


def region_beyond_the_load(everywhere: list[str], region: str) -> tuple[list[str], list[str]]:
    """(loaded, missing) départements of ``region`` on a database restricted to ``everywhere`` (its
    :func:`~pipeline.store.queries.provenance.loaded_departements`; empty: all of France).

    Both empty when the database holds all of France or ``region`` is not a région of France.
    """
    departements = REGION_DEPARTEMENTS.get(region, ())
    if not everywhere or not departements:
        return [], []
    return ([d for d in departements if d in everywhere], [d for d in departements if d not in everywhere])


def add_departements_command(loaded: list[str], missing: list[str]) -> str:
    """« ajoutez-les avec « make data DEPARTEMENTS=… », ou chargez toute la France avec … »."""
    word = "le" if len(missing) == 1 else "les"
    return (f"ajoutez-{word} avec « make data DEPARTEMENTS={','.join(sorted({*loaded, *missing}))} », ou chargez "
            "toute la France avec « make data FRANCE=1 »")


def zone_of_france(kind: str, name: str) -> str | None:
    """The code of the département or région of France (``kind``) named ``name`` (accents, case and hyphens
    aside), whatever the database holds; None for no such name."""
    wanted = slugify(name)
    if kind == "departement":
        return next((slug.split("-", 1)[0].upper() for slug in department_slugs()
                     if slug.split("-", 1)[1] == wanted), None)
    return next((code for code, region in REGION_NAMES.items() if slugify(region) == wanted), None)


def absent_zone(con: duckdb.DuckDBPyConnection, kind: str, code: str) -> str | None:
    """Why a région or département of France (``kind``) is not in a database restricted by ``data
    --departements`` (« Région Auvergne-Rhône-Alpes (84) : aucun de ses départements n'est chargé (…) »), else
    None: « inconnue » would send the user looking for a typo."""
    if kind == "departement":
        if code == "20":  # split in 1976, still typed
            return ("Département 20 : ce code n'existe plus, la Corse est divisée depuis 1976 en Corse-du-Sud (2A) et "
                    "Haute-Corse (2B) ; la région Corse a le code 94")
        beyond = outside_the_load(con, code)
        return f"Département {code}{beyond}" if beyond else None
    everywhere = provenance.loaded_departements(con)
    missing = region_beyond_the_load(everywhere, code)[1]
    if not missing:
        return None
    named = f"{REGION_NAMES[code]} ({code})" if code in REGION_NAMES else code
    return (f"Région {named} : aucun de ses départements n'est chargé (base limitée à {', '.join(everywhere)} ; "
            f"{add_departements_command(everywhere, missing)})")


def loaded_part(con: duckdb.DuckDBPyConnection, kind: str, code: str, name: str) -> tuple[str, list[str]]:
    """(label, notes) of a région (``kind``) named ``name`` whose départements the database holds in part.

    The figures of such a région are those of its loaded départements only: its label names them
    (« Provence-Alpes-Côte d'Azur (départements chargés : 04, 13) ») and a note names the others with the
    command that adds them. ``(name, [])`` for a région held whole, and for a département.
    """
    if kind != "region":
        return name, []
    everywhere = provenance.loaded_departements(con)
    loaded, missing = region_beyond_the_load(everywhere, code)
    if not missing:
        return name, []
    word = "département" if len(missing) == 1 else "départements"
    note = (f"{word} {', '.join(missing)} de la région hors des départements chargés : le territoire ne contient que "
            "la partie chargée, et ses chiffres ne portent que sur elle ; "
            f"{add_departements_command(everywhere, missing)}")
    return f"{name} ({loaded_scope(loaded)})", [note]


def names_label(names: list[str], arrondissements: int = 0) -> str:
    """A readable French label for a list of units: « Digne-les-Bains, Aiglun et 12 autres communes ».

    ``arrondissements``: how many of the units left unnamed are arrondissements municipaux (« Paris 18e
    Arrondissement, Paris 19e Arrondissement et 2 autres arrondissements », not « communes »).
    """
    if not names:
        return "Aucune commune"
    if len(names) == 1:
        return names[0]
    if len(names) <= 3:
        return ", ".join(names[:-1]) + " et " + names[-1]
    rest = len(names) - 2
    noun = "arrondissements" if arrondissements == rest else "communes" if not arrondissements else "unités"
    return f"{names[0]}, {names[1]} et {rest} autres {noun}"


#: Codes a spreadsheet rewrote (« 4001 », « 4166.0 ») said one by one up to this many, then in one note.
SPREADSHEET_NOTES = 3


def resolve_codes(con: duckdb.DuckDBPyConnection, values: list[str], source: str,
                  places: list[str] | None = None, *, typed_by_user: bool = True,
                  named_alike: Collection[str] = ()) -> tuple[pd.DataFrame, list[str]]:
    """Resolve codes (or exact commune names) to units, collecting every error.

    ``places``: where each value stands (« ligne 7 » of a file), named in its error. ``typed_by_user`` False: the
    codes come from the tool itself (a drawn perimeter's communes, a bassin de vie's, a loaded listing's members),
    and no code can be a postal code typed for another (a review got the note on a perimeter drawn over Marseille
    and Aix-en-Provence); ``named_alike``: codes a file names with their own commune's name, none either.
    """
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
            named.append(named[0].set_index("unit_code"))  # by code, for the communes former names lead to
        return named[0]

    worded: list[pd.Series] = []
    notes: list[str] = []
    errors: list[str] = []
    beyond: list[tuple[int, str, str]] = []  # (error's index, code, code as given and where): outside the load
    picked: dict[str, pd.DataFrame] = {}  # one row per unit, in the order first given
    given: list[str] = []  # every unit given, once per time (a file of 1.5 million rows: one frame per unit)
    named_hits: dict[str, pd.DataFrame] = {}
    former_names: list[pd.DataFrame] = []
    former_hits: dict[str, pd.DataFrame] = {}
    unloaded_hits: dict[str, pd.DataFrame] = {}
    outside_of: dict[str | None, str | None] = {}
    postal_units: dict[str, pd.DataFrame] = {}  # read once, for the hints of unknown codes
    typed: set[str] = set()  # codes given as such (a name or a former code says which commune it means)
    rewritten: list[str] = []  # codes a spreadsheet wrote as numbers, read (said together: a note per row was 44)

    def take(unit: str, rows: pd.DataFrame, at: str | None = None) -> None:
        """``unit`` given: its row of ``rows`` (by the index ``at``, else the first) kept the first time."""
        if unit not in picked:
            picked[unit] = rows.loc[[at]].reset_index() if at is not None else rows.iloc[[0]]
        given.append(unit)
    for index, raw in enumerate(values):
        value = str(raw).strip()
        if not value:
            continue
        at = f" ({places[index]})" if places is not None and places[index] else ""
        code, note = normalise_insee_code(value)
        if note:
            rewritten.append(note)
        if code is not None and code in by_code.index:
            take(code, by_code, code)
            typed.add(code)
            continue
        if code is not None and (arrondissement := paris_postal_arrondissement(code)) is not None:
            errors.append(paris_postal_code(con, value + at, code, arrondissement, mapping,
                                            outside_the_load(con, "75")))
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
            if arrondissements := arrondissements_of(str(target)):
                # Saint-Rambert-l'Île-Barbe (69232, merged into Lyon in 1963) lies in one arrondissement, the 9e: read
                # as the whole city it made a territory of 519 127 inhabitants, taille 4 (a review).
                errors.append(f"{value}{at} ({former}, {label}) est aujourd'hui une partie de "
                              f"{CITY_NAMES[str(target)]}, modélisée par arrondissement : donnez le code de "
                              f"l'arrondissement où elle se trouve ({arrondissements[0]} à {arrondissements[-1]})")
                continue
            notes.append(
                f"{code} ({former}, {label}) rattaché à la commune actuelle {target} "
                f"({by_code.at[target, 'nom']})"
            )
            take(str(target), by_code, target)
            continue
        if code is not None:
            departement = departement_of(code)
            if departement not in outside_of:  # once per département, not per line (one query each)
                outside_of[departement] = outside_the_load(con, departement)
            if outside := outside_of[departement]:
                beyond.append((len(errors), code, value + at))
            shown_so_far = len(errors) - len(beyond) + bool(beyond)  # the codes beyond the load are one line
            hint = postal_code_hint(con, code, postal_units) if not outside and shown_so_far < MAX_ERRORS_SHOWN \
                else ""
            errors.append(f"code INSEE {value}{at}{outside}" if outside else f"code INSEE inconnu : {value}{at}{hint}")
            continue
        # Not a code: accept an exact (accent- and case-insensitive) unique commune name.
        key = normalise_name(value)
        if key in named_hits:  # the same name on many lines is looked up once
            hits = named_hits[key]
        else:
            hits = named_hits[key] = current_names()[current_names()["nom"].map(normalise_name) == key]
        if hits.empty and (words := name_words(value)):
            # Its words in another order or form (« Mées (Les) », « St-Martin-de-Crau », « Marseille 1er »), as the
            # names column of a file agrees with its codes (a review: refused with unrelated suggestions).
            if not worded:  # once, not per name
                worded.append(current_names()["nom"].map(name_words))
            hits = current_names()[worded[0] == words]
        # A former commune of that name (déléguée, associée, merged) elsewhere than the communes found: « Albiosc »
        # is in Esparron-de-Verdon, and « Larche » the commune déléguée of Val d'Oronaye as well as a commune of
        # Corrèze (a review: refused as unknown, or read as Corrèze's without a word).
        if key not in former_hits:
            if not former_names:
                former_names.append(read_former_names(con))
            rows = named_rows(former_names[0], value)
            former_hits[key] = rows[rows["charge"] & rows["current_code"].isin(current_names()["unit_code"])]
        former = former_hits[key][~former_hits[key]["current_code"].isin(set(hits["unit_code"]))]
        # Homonyms outside the load make a loaded one ambiguous too, as on a load of all France (a review: « Sainte-
        # Colombe » read as the Gironde's on a load of the 33, the 12 others unsaid).
        if key not in unloaded_hits:  # once per name (a file of 20 000 rows naming one commune took 86 s)
            unloaded_hits[key] = unloaded_rows(former_names[0], value)
        elsewhere = unloaded_hits[key]
        if len(hits) + former["current_code"].nunique() > 1 or (len(hits) + len(former) and len(elsewhere)):
            listed = ", ".join([*(f"{r.nom} ({r.unit_code}, dép. {r.departement})" for r in hits.itertuples()),
                                *(f"{r.nom} ({r.code}, {FORMER_LABELS[r.kind]} de {named[1].at[r.current_code, 'nom']}"
                                  f", {r.current_code})" for r in former.drop_duplicates("current_code").itertuples())])
            beyond_it = f" ; hors des départements chargés : {', '.join(unloaded_listed(elsewhere))}" \
                if len(elsewhere) else ""
            errors.append(f"« {value} »{at} est ambigu : {listed}{beyond_it} ; donnez le code INSEE")
        elif len(hits) == 1:
            what = "l'arrondissement" if hits.iloc[0]["type"] == "arrondissement-municipal" else "la commune"
            notes.append(f"« {value} » lu comme {what} {hits.iloc[0]['unit_code']}")
            take(str(hits.iloc[0]["unit_code"]), hits)
        elif len(former) == 1 or former["current_code"].nunique() == 1:
            row = former.iloc[0]
            target = str(row["current_code"])
            if arrondissements := arrondissements_of(target):
                # As its code is (a review: « Saint-Rambert-l'Île-Barbe » made a territory of all Lyon).
                errors.append(f"« {value} »{at} ({row['code']}, {FORMER_LABELS.get(row['kind'], 'ancienne commune')}) "
                              f"est aujourd'hui une partie de {CITY_NAMES[target]}, modélisée par arrondissement : "
                              f"donnez le code de l'arrondissement où elle se trouve ({arrondissements[0]} à "
                              f"{arrondissements[-1]})")
                continue
            notes.append(f"« {value} » lu comme {row['code']} ({row['nom']}, "
                         f"{FORMER_LABELS.get(row['kind'], 'ancienne commune')}) rattaché à la commune actuelle "
                         f"{target} ({named[1].at[target, 'nom']})")
            take(target, named[1], target)
        elif len(elsewhere):
            # A commune of a département the database was not loaded for: said so (a review: « Lyon » was « ni un
            # code INSEE ni un nom de commune connu », with « Moulon » suggested).
            listed = ", ".join(unloaded_listed(elsewhere))
            if len(elsewhere) == 1:
                first = elsewhere.iloc[0]
                beyond.append((len(errors), str(first["current_code"]), f"« {value} »{at}"))
                errors.append(f"« {value} »{at} : {listed}" + (outside_the_load(con, str(first["departement"]))
                                                              or " : hors des départements chargés"))
            else:
                errors.append(f"« {value} »{at} : {len(elsewhere)} communes de ce nom, hors des départements chargés "
                              f"(base limitée à {', '.join(provenance.loaded_departements(con))}) : {listed} ; "
                              "chargez le département de celle voulue, puis donnez son code INSEE")
        else:
            errors.append(
                f"« {value} »{at} n'est ni un code INSEE ni un nom de commune connu"
                + (corsican_hint(value, current_names())
                   or suggest(value, current_names()["nom"], current_names()["unit_code"]))
            )
    if len(beyond) > 1:
        # One line and one command for all of them, where the first was (a review: 625 lines, each adding its own
        # département only, so that following any of them still failed).
        loaded = provenance.loaded_departements(con)
        missing = sorted({departement_of(code) for _, code, _ in beyond})
        grouped = (f"{_grouped(len(beyond))} codes INSEE hors des départements chargés (base limitée à "
                   f"{', '.join(loaded)} ; "
                   f"département{'s' if len(missing) > 1 else ''} {', '.join(missing)} : "
                   f"{add_departements_command(loaded, missing)}) : "
                   + first_listed([shown for _, _, shown in beyond], 10))
        first, apart = beyond[0][0], {index for index, _, _ in beyond}
        errors = [grouped if i == first else e for i, e in enumerate(errors) if i not in apart or i == first]
    if errors:
        more = len(errors) - MAX_ERRORS_SHOWN
        others = f"… et {_grouped(more)} {'autre erreur' if more == 1 else 'autres erreurs'}"
        shown = errors[:MAX_ERRORS_SHOWN] + ([others] if more > 0 else [])
        raise TerritoryError(f"Territoire non résolu ({source}) :\n  - " + "\n  - ".join(shown))
    frame = pd.concat(picked.values(), ignore_index=True) if picked else pd.DataFrame(columns=UNIT_COLUMNS)
    if len(given) > len(picked):
        # « codes en double » named 33008 where 33008 and its former code 33092 were given (a review).
        twice = sorted(unit for unit, count in Counter(given).items() if count > 1)
        notes.append("communes données plusieurs fois (même code, ou ancien code d'une commune déjà donnée), "
                     "comptées une fois : " + first_listed(twice, 20))
    rewritten = list(dict.fromkeys(rewritten))
    if len(rewritten) > SPREADSHEET_NOTES:
        rewritten = [f"{len(rewritten)} codes réécrits par un tableur, lus comme codes INSEE : "
                     + " ; ".join(rewritten[:SPREADSHEET_NOTES]) + f" … et {len(rewritten) - SPREADSHEET_NOTES} autres"]
    notes = list(dict.fromkeys(rewritten + notes))  # a note said once, however many lines bring it
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
    postal = postal_codes_of_a_city(frame, typed - set(named_alike)) if typed_by_user else []
    return frame[UNIT_COLUMNS].reset_index(drop=True), notes + postal
