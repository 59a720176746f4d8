"""CPTS listings: the project's own format for CPTS perimeters.

A *listing* is one file describing CPTS perimeters, as an ARS or a mapping
project publishes them. Several listings coexist; each has a name (by default
the file stem) that travels with every row derived from it.

Two forms are accepted:

* **CSV**, one row per (CPTS, commune): columns ``cpts`` (name) and
  ``code_insee`` (code of a commune or of an arrondissement municipal) are
  required; ``cpts_id``, ``statut`` and ``date`` (``YYYY-MM-DD``) are
  optional. UTF-8 (with or without BOM); ``,``, ``;``, tab or ``|`` separated.
* **GeoJSON**, one feature per CPTS perimeter (Polygon or MultiPolygon) with
  the same properties except ``code_insee``, in any declared CRS (read by
  :mod:`~pipeline.sources.cpts_listing.perimeters`, shared with ``fichier:``
  territories).

Structural defects (missing column, bad status, bad date, bad encoding,
invalid or empty geometry) make the file unusable: they are all collected and
raised at once as one :class:`~pipeline.errors.DataError`. Content defects do
not stop the pipeline: they are returned as rows of ``ListingResult.issues``
(``kind``) so that an analyst can send them back to whoever maintains the
listing: ``code_invalide``, ``code_zero_restaure``, ``code_inconnu``,
``code_ancien``, ``code_sans_correspondance``, ``commune_a_arrondissements``,
``doublon``, ``identifiant_incoherent``, ``nom_proche``, ``nom_suspect``,
``multi_departements``, ``multi_regions``, ``code_postal_probable``,
``nom_commune_different`` (a ``commune`` column's name is not its code's),
``colonnes_non_lues``, ``statut_incoherent`` (several statuts or dates for one CPTS), ``homonyme_probable`` (with
commune points), and for
GeoJSON ``hors_france``, ``coordonnees_inversees``, ``note_crs`` (and, once members are derived from the perimeters,
``perimetre_sans_unite`` and ``regle_du_point``:
:mod:`~pipeline.sources.cpts_listing.perimeter_members`).

Codes are resolved against the current COG: arrondissements municipaux of
Paris, Lyon and Marseille stay the unit (two CPTS sharing Marseille at
arrondissement level do not overlap on 13055); a code of a city with
arrondissements (13055, 69123, 75056) is expanded to its arrondissements;
codes of communes déléguées, associées or merged communes map to the current
commune, with a note.

Modules: :mod:`.model` (columns, result type), :mod:`.parse` (CSV and
GeoJSON parsing), :mod:`.perimeters` (GeoJSON reader, CRS, location),
:mod:`.names` (name comparison), :mod:`.resolve` (COG resolution, defects),
:mod:`.reading` (:func:`read_listing`, a file read whole), :mod:`.homonyms` (probable homonyms), :mod:`.postal` (postal
codes of Lyon and Marseille), :mod:`.columns` (commune names beside the codes, columns not read).
"""

from __future__ import annotations

from pipeline.sources.cpts_listing.homonyms import HOMONYM_COLUMNS, POINT_COLUMNS, find_probable_homonyms
from pipeline.sources.cpts_listing.model import (
    ISSUE_COLUMNS,
    MEMBER_COLUMNS,
    OPTIONAL_COLUMNS,
    OUT_OF_SCOPE,
    PERIMETER_COLUMNS,
    REQUIRED_COLUMNS,
    STATUTS,
    ListingResult,
    codes_beyond_the_load,
)
from pipeline.sources.cpts_listing.names import name_key, near_duplicate_names
from pipeline.sources.cpts_listing.parse import decode_utf8, parse_listing_csv, parse_listing_geojson
from pipeline.sources.cpts_listing.perimeters import read_perimeter_geojson, reject_anomalies
from pipeline.sources.cpts_listing.reading import combine, read_listing
from pipeline.sources.cpts_listing.resolve import resolve_codes, resolve_listing

__all__ = [
    "HOMONYM_COLUMNS",
    "ISSUE_COLUMNS",
    "MEMBER_COLUMNS",
    "OPTIONAL_COLUMNS",
    "OUT_OF_SCOPE",
    "PERIMETER_COLUMNS",
    "POINT_COLUMNS",
    "REQUIRED_COLUMNS",
    "STATUTS",
    "ListingResult",
    "codes_beyond_the_load",
    "combine",
    "decode_utf8",
    "find_probable_homonyms",
    "name_key",
    "near_duplicate_names",
    "parse_listing_csv",
    "parse_listing_geojson",
    "read_listing",
    "read_perimeter_geojson",
    "reject_anomalies",
    "resolve_codes",
    "resolve_listing",
]
