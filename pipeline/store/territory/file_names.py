"""A territory CSV's names checked against its codes (:mod:`pipeline.sources.commune_names`).

A review gave ``code;commune`` rows « 13001;Marseille 1er », « 13002;Marseille 2e »: postal codes, read as
the INSEE codes of Aix-en-Provence, Allauch and Alleins, and diagnosed without a word (173 990 inhabitants for
Marseille's 120 006). When most of a file's names are not those of their codes, the file is refused; a name
that is by itself another commune's refuses it too; a few other disagreeing names are noted.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.errors import TerritoryError
from pipeline.geography import normalise_insee_code
from pipeline.sources.commune_names import disagreements, merged_names_of, other_units_meant
from pipeline.sources.listing_headers import header_key
from pipeline.store.queries import beyond_the_load, geography

#: Headers of a names column (folded as :func:`name_column` folds them).
NAME_COLUMNS = ("nom", "commune", "nom_commune", "libelle", "libelle_commune", "nom_de_la_commune", "name")
#: Share of disagreeing names from which the file is refused rather than noted.
REFUSED_SHARE = 0.5
#: Names shown in a message.
SHOWN = 3


#: Words of a header naming communes (INSEE's « LIBGEO », IGN's « NOM_COM », « Ville », « Libellé commune »); a header
#: of these words only (and small words) is read as one. Any other word names something else: « Nom du médecin »,
#: « Libellé EPCI », « Ville du siège », « nom_cpts » (a review: valid files refused for such columns).
NAME_WORDS = frozenset(("nom", "noms", "libelle", "libelles", "lib", "libgeo", "libcom", "ville", "villes", "name",
                        "ncc", "nccenr", "localite", "commune", "communes", "com"))
SMALL_WORDS = frozenset(("de", "la", "le", "du", "des", "d", "l", "of", "the"))
#: Headers of a first name: beside one, « nom » is a person's.
FIRST_NAMES = frozenset(("prenom", "prenoms", "first_name", "firstname"))


def name_column(columns: list[str], code: str) -> str | None:
    """The column of ``columns`` (other than ``code``) holding the communes' names, or None: a known header, else
    one whose words say a commune's name (a review: postal codes under « CODGEO;LIBGEO », « INSEE_COM;NOM_COM »
    or « code_commune;ville » were read as other communes, the names never compared)."""
    folded = {header_key(c): c for c in reversed(columns) if c != code}
    if set(folded) & FIRST_NAMES:  # « nom;prenom »: the person's name, not the commune's (a review)
        folded = {key: column for key, column in folded.items() if key not in ("nom", "name", "noms")}
    if (known := next((folded[c] for c in NAME_COLUMNS if c in folded), None)) is not None:
        return known
    return next((column for key, column in reversed(folded.items())
                 if set(key.split("_")) & (NAME_WORDS - {"com"}) and set(key.split("_")) <= NAME_WORDS | SMALL_WORDS),
                None)


def check_names(con: duckdb.DuckDBPyConnection, codes: list[str], names: list[str], lines: list[int],
                column: str, path: Path, row_word: str = "ligne", confirmed: bool = False) -> list[str]:
    """Notes on the rows whose name is not their code's; raise :class:`TerritoryError` when they are most of
    the named rows, or when one names another commune by itself (``codes``, ``names``, ``lines``: one item per
    row with a code; ``row_word``: what ``lines`` number, « ligne » of a CSV or « entité n° » of a GeoJSON).

    ``confirmed``: the file's contours agree with its codes, the better witness: the disagreeing names are only
    noted (a review: a GeoJSON naming Digne-les-Bains « Manosque » was read without a word)."""
    in_lines = row_word == "ligne"
    normalised = [normalise_insee_code(c)[0] for c in codes]
    wanted = {c for c in normalised if c is not None}
    mapping = geography.cog_mapping(con, wanted).set_index("code")
    current = set(mapping["current_code"].dropna().astype(str))
    unit_names = geography.units(con, wanted | current).set_index("unit_code")["nom"]
    wrong, named = disagreements(normalised, names, lines, mapping, unit_names.to_dict(),
                                 lambda: merged_names_of(_every_former_name(con)))
    if not wrong:
        return []
    listed = " ; ".join(f"{row_word} {line} : {code} est {cog}, pas « {given} »" for line, code, cog, given
                        in wrong[:SHOWN]) + (" …" if len(wrong) > SHOWN else "")
    if confirmed:
        return [f"{len(wrong)} {'nom' if len(wrong) == 1 else 'noms'} de la propriété « {column} » ne "
                f"{'correspond' if len(wrong) == 1 else 'correspondent'} pas à {'son' if len(wrong) == 1 else 'leur'} "
                f"code ; les contours du fichier confirment les codes, qui sont lus : {listed}"]
    if len(wrong) >= REFUSED_SHARE * named:
        rows = ("lignes" if len(wrong) > 1 else "ligne") if in_lines else ("entités" if len(wrong) > 1 else "entité")
        shifted = ", ou lignes décalées" if in_lines else ""
        raise TerritoryError(f"Les noms de la colonne « {column} » ne sont pas ceux des codes ({len(wrong)} {rows} "
                             f"sur {named}) : {_ended(listed)} Codes postaux au lieu des codes INSEE{shifted} ? "
                             "Corrigez les codes (ou retirez la colonne des noms si elle est fausse)",
                             path, wrong[0][0] if in_lines else None)
    if meant := other_units_meant(wrong, geography.units(con)[["unit_code", "nom"]].dropna()):
        # The name is another commune's, by itself: the code is wrong, and that commune would be counted in the
        # territory's figures (a review: « 13001;Marseille 1er » counted Aix-en-Provence's 149 695 inhabitants
        # among 19 392, a minority of wrong names being only noted).
        shown = " ; ".join(f"{row_word} {line} : {code} est {cog}, or « {given} » est {other}"
                           for line, code, cog, given, other in meant[:SHOWN]) + (" …" if len(meant) > SHOWN else "")
        raise TerritoryError(f"Des noms de la colonne « {column} » sont ceux d'autres communes que leurs codes : "
                             f"{_ended(shown)} Corrigez les codes (codes postaux au lieu des codes INSEE ?)",
                             path, meant[0][0] if in_lines else None)
    return [f"{len(wrong)} {'nom' if len(wrong) == 1 else 'noms'} de la colonne « {column} » ne "
            f"{'correspond' if len(wrong) == 1 else 'correspondent'} pas à {'son' if len(wrong) == 1 else 'leur'} "
            f"code (les codes sont lus) : {listed}"]


def check_file_names(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, column: str, line_column: str,
                     path: Path) -> list[str]:
    """:func:`check_names` on a read CSV (``column``: its codes), when it has a names column."""
    names_column = name_column([c for c in frame.columns if c != line_column], column)
    if names_column is None:
        return []
    rows = frame[frame[column].fillna("").astype(str).str.strip() != ""]
    return check_names(con, rows[column].astype(str).str.strip().tolist(),
                       rows[names_column].fillna("").astype(str).tolist(),
                       [int(n) for n in rows[line_column]], names_column, path)


def codes_named_alike(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, column: str, line_column: str) -> set[str]:
    """The codes of a read CSV (``column``) whose row names their own commune in its names column: such a code is
    no postal code typed for another commune (a review: the editor's export, « 13001,Aix-en-Provence », got the
    note on Marseille's postal codes)."""
    names_column = name_column([c for c in frame.columns if c != line_column], column)
    if names_column is None:
        return set()
    codes = [normalise_insee_code(str(c).strip())[0] for c in frame[column].fillna("")]
    names = frame[names_column].fillna("").astype(str).tolist()
    wanted = {c for c in codes if c is not None}
    mapping = geography.cog_mapping(con, wanted).set_index("code")
    unit_names = geography.units(con, wanted | set(mapping["current_code"].dropna().astype(str))).set_index(
        "unit_code")["nom"].to_dict()
    wrong, _ = disagreements(codes, names, [int(n) for n in frame[line_column]], mapping, unit_names,
                             lambda: merged_names_of(_every_former_name(con)))
    return {c for c, n in zip(codes, names, strict=True) if c is not None and n.strip()} - {w[1] for w in wrong}


def _every_former_name(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``current_code``, ``nom`` of every code mapped to a current commune, and of the communes déléguées keeping
    their commune nouvelle's code (a review: « 04120;Meyronnes » was refused as a postal code)."""
    formers = beyond_the_load.former_commune_names(con)
    return pd.concat([geography.cog_mapping(con)[["current_code", "nom"]], formers[["current_code", "nom"]]],
                     ignore_index=True)


def _ended(listed: str) -> str:
    """``listed`` closed by a full stop, unless it ends with « … » (a review read « … . »)."""
    return listed if listed.endswith("…") else listed + "."
