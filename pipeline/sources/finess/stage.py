"""Stage a FINESS extraction (stock or flattened layout): establishments and anomalies, no database.

Each establishment is classified by its category (``finess_categories.csv``;
« Hôpital » split into public / private by ``codesph``), placed in the
current commune through the COG history, in its unit (the arrondissement
of Paris, Lyon or Marseille named by its postal code), and projected to
WGS84. Emergency services (« service d'urgences ») are *not* in this
extraction: FINESS publishes activity authorisations in other files, and
this module does not pretend otherwise. Names are kept as written (a name
starting with « = » is data; escaping is the renderers' job).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import nomenclatures
from pipeline.geography import (
    ARRONDISSEMENT_CITIES,
    arrondissement_from_postcode,
    city_of_arrondissement,
    departement_of,
    outside_the_load,
)
from pipeline.sources import archives
from pipeline.sources.annuaire.locate import Gazetteer, locate_rows
from pipeline.sources.extraction_names import DEMO_NOTE, date_in_name, is_demo_name
from pipeline.sources.finess import fields
from pipeline.sources.finess.checks import (
    anomaly,
    category_labels,
    check_tables,
    far_anomalies,
    far_from_commune,
    label_anomalies,
    readable_labels,
    unknown_category_anomalies,
)
from pipeline.sources.finess.geo import epsg_for, outside_area_of_use, to_wgs84
from pipeline.sources.finess.layouts import RawFiness, decode, parse, raw_anomalies, restore_leading_zeros

SOURCE_NAME = "finess"
#: File-name prefix of the official stock extraction inside a zip.
STOCK_PREFIX = "etalab-cs1100507"

#: Staged establishments: column -> pandas dtype (text ``string``, missing = ``pd.NA``).
ETABLISSEMENT_COLUMNS: dict[str, str] = {
    "finess": "string",
    "finess_ej": "string",
    "nom": "string",
    "categorie_code": "string",
    "categorie_libelle": "string",
    "categorie_agregat_code": "string",
    "categorie_agregat_libelle": "string",
    "groupe": "string",
    "statut_sph": "string",
    "departement": "string",
    "commune_source": "string",
    "commune": "string",
    "adresse": "string",
    "lon": "float64",
    "lat": "float64",
    "x": "float64",
    "y": "float64",
    "epsg": "Int64",
    "source_coord": "string",
    "date_ouverture": "string",
    "ligne": "int64",
    "code_postal": "string",
    "unite": "string",
    "extraction": "date32[day][pyarrow]",
}

#: Anomalies: the same columns as the Annuaire Santé's.
ANOMALY_COLUMNS: dict[str, str] = {
    "extraction": "date32[day][pyarrow]",
    "type": "string",
    "code": "string",
    "libelle": "string",
    "nb_lignes": "int64",
    "premiere_ligne": "Int64",
    "message": "string",
    "fichier": "string",
}

_CODES_HOPITAL_PUBLIC_SPH = {"1"}


#: Anomaly of a record of a département outside the load (a database of some départements).
OUTSIDE_THE_LOAD = "hors_departements_charges"

@dataclass
class StagedFiness:
    """A FINESS extraction staged in memory (``etablissements``: :data:`ETABLISSEMENT_COLUMNS`)."""

    etablissements: pd.DataFrame = field(repr=False)
    anomalies: pd.DataFrame = field(repr=False)
    extraction: date
    origin: Path
    fichier: str
    layout: str
    encoding: str
    demo: bool

    @property
    def geolocated(self) -> int:
        return int(self.etablissements["lon"].notna().sum())

    def summary_fr(self) -> str:
        deduced = " (date du fichier : ni son en-tête ni son nom n'en donnent)" if (
            self.anomalies["type"] == "date_extraction_deduite").any() else ""
        text = (f"FINESS du {self.extraction:%d/%m/%Y}{deduced} ({self.layout}) : {len(self.etablissements)} "
                f"établissements, dont {self.geolocated} géolocalisés.")
        # Lines repeated or garbled are said as the Annuaire Santé's are (a review: a number repeated with another
        # category, and labels garbled by a re-encoding, were only in the anomalies table).
        for kind, noun, told in (
                ("commune_inconnue", "établissement", "dans une commune inconnue du COG."),
                (OUTSIDE_THE_LOAD, "établissement", "hors des départements chargés."),
                ("coordonnees_hors_commune", "établissement", "géolocalisé{s} loin de {leur} commune : compté{s} "
                                                               "dans {leur} commune, absent{s} des cartes."),
                ("categorie_inconnue", "établissement", "d'une catégorie inconnue de la nomenclature : compté{s} "
                                                        "dans « Autre »."),
                ("categorie_non_renseignee", "établissement", "sans catégorie : compté{s} dans « Autre »."),
                ("finess_en_double", "ligne", "en double (numéro FINESS déjà lu plus haut) ignorée{s} : la première "
                                              "ligne de chaque numéro est gardée."),
                ("caracteres_illisibles", "ligne", "avec des caractères illisibles (« \ufffd », fichier ré-encodé "
                                                   "avec perte) : noms et adresses gardés tels quels.")):
            count = int(self.anomalies.loc[self.anomalies["type"] == kind, "nb_lignes"].sum())
            if count:
                text += f" {count} {noun}{'s' * (count > 1)} " + told.format(s="s" * (count > 1),
                                                                             leur="leur" if count > 1 else "sa")
        if self.demo:
            text += f" ({DEMO_NOTE})"
        return text


def _own_departement(out: pd.DataFrame) -> pd.Series:
    """Each record's département: its own ``departement`` field, else its commune code's."""
    return out["departement"].astype("string").fillna(
        out["commune_source"].map(lambda c: departement_of(c) if isinstance(c, str) else None).astype("string"))


def _beyond_the_load(out: pd.DataFrame, loaded: Collection[str]) -> pd.Series:
    """Records of a département a database restricted to ``loaded`` does not hold: never placed by postal
    code, reported apart from unknown communes."""
    return _own_departement(out).map(lambda d: outside_the_load(d, loaded)).astype(bool)


def _by_postcode(out: pd.DataFrame, units: pd.DataFrame, cog_mapping: pd.DataFrame, line: pd.Series,
                 beyond: pd.Series, loaded: Collection[str]) -> pd.Series:
    """Rows without a known commune code but with a postal code, located as the Annuaire Santé's are
    (:func:`pipeline.sources.annuaire.locate.locate_rows`: the postal code, with the place name of the delivery
    line where it is needed), ``beyond`` (:func:`_beyond_the_load`) left out: the rows found."""
    lost = out["commune"].isna() & out["code_postal"].notna() & ~beyond
    if not lost.any() or "codes_postaux" not in units.columns:
        return lost & False
    rows = out.loc[lost, ["ligne", "commune_source", "code_postal"]].assign(
        commune_libelle_source=line[lost], bureau_cedex=None)
    located, _ = locate_rows(rows, Gazetteer.build(units, cog_mapping, loaded))
    found = located["commune"].notna()
    out.loc[found[found].index, "commune"] = located.loc[found, "commune"].astype("string")
    out.loc[found[found].index, "unite"] = located.loc[found, "unite"].astype("string")
    return lost & out["commune"].notna()


def _unit(commune: object, source: object, postal: object) -> tuple[str | None, bool]:
    """The unit of an establishment, and whether an arrondissement was wanted but not found."""
    if not isinstance(commune, str):
        return None, False
    if commune not in ARRONDISSEMENT_CITIES:
        return commune, False
    if isinstance(source, str) and city_of_arrondissement(source) == commune:
        return source, False
    found = arrondissement_from_postcode(commune, postal if isinstance(postal, str) else None)
    return (found, False) if found else (commune, True)


def build(raw: RawFiness, to_current: dict[str, str], cog_units: pd.DataFrame | None = None,
          cog_mapping: pd.DataFrame | None = None, loaded: Collection[str] = (),
          commune_bounds: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Classify, locate and project the raw records; returns establishments and anomaly rows."""
    cats = nomenclatures.finess_categories().set_index("code")
    frame, geoloc_raw, shortened = restore_leading_zeros(raw.structures, raw.geoloc)
    anomalies: list[dict[str, object]] = []
    if shortened.any():
        anomalies.append(anomaly("zero_initial_retabli", "", None, frame.loc[shortened, "ligne"],
                                  "Numéro FINESS de 8 chiffres lu avec son zéro initial (9 caractères), comme un "
                                  "tableur l'avait retiré"))
    duplicated = frame["nofinesset"].duplicated(keep="first")
    if duplicated.any():
        for number, lines in frame.loc[duplicated].groupby("nofinesset")["ligne"]:
            anomalies.append(anomaly("finess_en_double", str(number), None, lines,
                                      "Numéro FINESS présent plusieurs fois : seule sa première ligne est gardée"))
        frame = frame.loc[~duplicated]
    frame = frame.reset_index(drop=True)
    groupe = frame["categetab"].map(cats["groupe"]).fillna("Autre")
    anomalies += unknown_category_anomalies(frame, cats.index)
    hopital = groupe == "Hôpital"
    public = frame["codesph"].isin(_CODES_HOPITAL_PUBLIC_SPH)
    groupe = groupe.mask(hopital & public, "Hôpital public").mask(hopital & ~public, "Hôpital privé")
    # A label garbled by a lossy re-encoding (« H\ufffdpital ») gives way to the nomenclature's, or is left empty.
    label, label_lost = category_labels(frame["categetab"], frame["libcategetab"], cats["libelle"])
    aggregate, aggregate_lost = readable_labels(frame["libcategagretab"])
    sph, sph_lost = readable_labels(frame["libsph"])  # a review saw « Etab.public de sant\ufffd »
    # The first geolocation of a number goes with its first structure, the one kept (not a namesake's coordinates).
    geo = geoloc_raw.drop_duplicates("nofinesset", keep="first").set_index("nofinesset")
    # Looked up as text: with no geolocation record at all, pandas would otherwise give floats.
    x = fields.number(frame["nofinesset"].map(geo["coordxet"]).astype("string").fillna(""))
    y = fields.number(frame["nofinesset"].map(geo["coordyet"]).astype("string").fillna(""))
    source_coord = frame["nofinesset"].map(geo["sourcecoordet"]).astype("string")
    told = [epsg_for(s, d) for s, d in zip(source_coord.fillna(""), frame["departement"], strict=True)]
    epsg = pd.array([e for e, _ in told], dtype="Int64")
    frames = epsg.to_numpy(dtype=float, na_value=np.nan)
    lon, lat = to_wgs84(x, y, frames)
    misplaced = outside_area_of_use(lon, lat, frames)
    lon[misplaced], lat[misplaced] = np.nan, np.nan  # counted by their commune, never drawn on the wrong continent
    parts = [frame[c] for c in ("numvoie", "typvoie", "voie", "lieuditbp", "ligneacheminement")]
    adresse = [" ".join(p for p in values if p).strip() or None for values in zip(*parts, strict=True)]
    commune_source = fields.commune_source(frame)
    commune = commune_source.map(lambda c: to_current.get(c) if isinstance(c, str) else None).astype("string")
    postal = fields.postcode(frame)
    units = [_unit(c, s, p) for c, s, p in zip(commune, commune_source, postal, strict=True)]
    out = pd.DataFrame({
        "finess": fields.text(frame["nofinesset"]),
        "finess_ej": fields.text(frame["nofinessej"]),
        "nom": fields.text(frame["rslongue"].where(frame["rslongue"] != "", frame["rs"])),
        "categorie_code": fields.text(frame["categetab"]),
        "categorie_libelle": fields.text(label.fillna("")),
        "categorie_agregat_code": fields.text(frame["categagretab"]),
        "categorie_agregat_libelle": fields.text(aggregate),
        "groupe": groupe.astype("string"),
        "statut_sph": fields.text(sph),
        "departement": fields.text(frame["departement"]),
        "commune_source": commune_source,
        "commune": commune,
        "adresse": pd.array(adresse, dtype="string"),
        "lon": lon, "lat": lat, "x": x, "y": y, "epsg": epsg,
        "source_coord": fields.text(source_coord.fillna("")),
        "date_ouverture": fields.dates(frame["dateouv"]),
        "ligne": frame["ligne"].astype("int64"),
        "code_postal": postal,
        "unite": pd.array([u for u, _ in units], dtype="string"),
    })  # fmt: skip
    restored = frame["cog"].str.fullmatch(r"\d{4}")
    if restored.any():
        for code, lines in out[restored].groupby("commune_source")["ligne"]:
            anomalies.append(anomaly("zero_initial_retabli", str(code), None, lines,
                                      f"Code commune {str(code)[1:]} lu comme {code} (zéro initial rétabli)"))
    beyond = _beyond_the_load(out, loaded)
    if cog_units is not None and cog_mapping is not None:
        found = _by_postcode(out, cog_units, cog_mapping, frame["ligneacheminement"], beyond, loaded)
        for postal, lines in out[found].groupby("code_postal")["ligne"]:
            anomalies.append(anomaly("localise_par_code_postal", str(postal), None, lines,
                                      "Code commune absent ou inconnu : établissement placé par son code postal "
                                      "(et le libellé de sa ligne d'acheminement)"))
    far, km = far_from_commune(out["commune"], lon, lat, commune_bounds)
    out.loc[far, ["lon", "lat"]] = np.nan  # counted by their commune, never drawn nor measured from elsewhere
    anomalies += far_anomalies(out, far, km)
    anomalies += label_anomalies(out["ligne"], {"categorie_libelle_illisible": (frame["categetab"], label_lost),
                                                "agregat_libelle_illisible": (frame["categagretab"], aggregate_lost),
                                                "sph_libelle_illisible": (frame["codesph"], sph_lost)})
    has_xy = ~np.isnan(x) & ~np.isnan(y)
    if (~has_xy).any():
        anomalies.append(anomaly("sans_coordonnees", "", None, out.loc[~has_xy, "ligne"],
                                  "Établissement sans géolocalisation : lon/lat vides"))
    if misplaced.any():
        anomalies.append(anomaly("coordonnees_hors_zone", "", None, out.loc[misplaced, "ligne"],
                                  "Coordonnées hors de la zone de leur projection (x et y inversés, ou des degrés "
                                  "donnés pour des mètres ?) : établissement compté par sa commune, absent des "
                                  "cartes"))
    guessed = has_xy & ~np.array([t for _, t in told], dtype=bool)
    if guessed.any():
        anomalies.append(anomaly("projection_deduite", "", None, out.loc[guessed, "ligne"],
                                  "Projection absente de « sourcecoordet » : déduite du département"))
    orphans = geoloc_raw[~geoloc_raw["nofinesset"].isin(frame["nofinesset"])]
    if len(orphans):
        anomalies.append(anomaly("geolocalisation_orpheline", "", None, orphans["ligne"],
                                  "Géolocalisation d'un établissement absent des enregistrements « structureet »"))
    unknown = out[out["commune"].isna()]
    # A database of some départements: the others' establishments are not « unknown ».
    outside = unknown[beyond[unknown.index]]
    for departement, lines in outside.groupby(_own_departement(outside))["ligne"]:
        anomalies.append(anomaly(OUTSIDE_THE_LOAD, str(departement), None, lines,
                                  "Établissement d'un département hors de ceux chargés dans la base (make data "
                                  "DEPARTEMENTS=…) : absent des comptes"))
    unknown = unknown[~beyond[unknown.index]]
    for code, lines in unknown.groupby(unknown["commune_source"].fillna(""))["ligne"]:
        anomalies.append(anomaly("commune_inconnue", str(code), None, lines,
                                  "Code commune inconnu du COG : établissement absent des comptes par commune"))
    undetermined = pd.Series([missing for _, missing in units], index=out.index)
    for city, lines in out[undetermined].groupby("commune")["ligne"]:
        anomalies.append(anomaly("arrondissement_non_determine", str(city), None, lines,
                                  "Arrondissement non déterminé (code postal absent ou CEDEX) : établissement "
                                  "compté dans la ville, sans arrondissement"))
    return out, anomalies


def _member_prefix(origin: Path) -> str | None:
    """In a zip, the official stock file when there is one; otherwise the zip's single member."""
    if not origin.is_file() or not archives.is_zip(origin):
        return None
    members = archives.list_members(origin)
    return STOCK_PREFIX if any(Path(n).name.lower().startswith(STOCK_PREFIX) for n in members) else None


def stage_finess(
    path: str | Path,
    *,
    units: pd.DataFrame,
    cog_mapping: pd.DataFrame,
    extraction: date | None = None,
    encoding: str | None = None,
    demo: bool | None = None,
    workdir: str | Path | None = None,
    loaded_departements: Collection[str] = (),
    commune_bounds: pd.DataFrame | None = None,
) -> StagedFiness:
    """Stage a FINESS extraction, stock (``etalab-cs1100507-stock-*.csv``) or flattened layout, or a zip of it.

    Parameters
    ----------
    units
        Current COG units (``code``, ``type``...; used to accept arrondissement codes).
    cog_mapping
        Every old or current code -> ``current_code``.
    extraction
        Extraction date; by default the header line's (stock layout), else the file name's.
    encoding
        Text encoding; by default UTF-8, or Windows-1252 for a file holding no UTF-8 at all.
    demo
        Generated demonstration data; by default when the file name contains ``DEMO``.
    loaded_departements
        The départements a database was restricted to (empty: all of France): a record of another
        département is never placed by its postal code.
    commune_bounds
        Bounding box of each current commune's polygon (``code, xmin, ymin, xmax, ymax``, lon/lat): a point
        far outside its commune's box is dropped and reported (``coordonnees_hors_commune``). Not checked
        without it.

    Raises
    ------
    DataError
        Empty file, unknown layout, wrong separator, bad encoding, incomplete
        record, wrong field count, hostile or damaged zip — naming file and line.
    """
    origin = Path(path)
    check_tables(units, cog_mapping, commune_bounds)
    with archives.open_text_source(origin, prefix=_member_prefix(origin), workdir=workdir) as source:
        text, used = decode(source.path.read_bytes(), encoding, source.shown)
        raw = parse(text, source.shown, used)
        fichier, name = source.shown, source.name
    mapping = cog_mapping[cog_mapping["current_code"].notna()]
    to_current = {str(c): str(t) for c, t in zip(mapping["code"], mapping["current_code"], strict=True)}
    arrondissements = units[(units["type"] == "arrondissement-municipal") & units["parent"].notna()]
    to_current.update({str(c): str(p) for c, p in zip(arrondissements["code"], arrondissements["parent"], strict=True)})
    etab, rows = build(raw, to_current, units, cog_mapping, loaded_departements, commune_bounds)
    rows = raw_anomalies(raw) + rows
    stamp = extraction or raw.header_date or date_in_name(name) or date_in_name(origin.name)
    if stamp is None:
        stamp = datetime.fromtimestamp(origin.stat().st_mtime, tz=UTC).date()
        rows.append({"type": "date_extraction_deduite", "code": "", "libelle": None, "nb_lignes": len(etab),
                     "premiere_ligne": None, "message": "Date d'extraction absente de l'en-tête et du nom du fichier : "
                     f"date de dernière modification du fichier utilisée ({stamp:%d/%m/%Y})"})
    days = (stamp - date(1970, 1, 1)).days
    etab["extraction"] = pd.arrays.ArrowExtensionArray(pa.array(np.full(len(etab), days, "int32")).cast(pa.date32()))
    anomalies = pd.DataFrame(rows, columns=[c for c in ANOMALY_COLUMNS if c not in ("extraction", "fichier")])
    anomalies.insert(0, "extraction", stamp)
    anomalies["fichier"] = fichier
    anomalies = anomalies.sort_values(["type", "code"], kind="stable").reset_index(drop=True)
    return StagedFiness(
        etablissements=etab[list(ETABLISSEMENT_COLUMNS)].astype(ETABLISSEMENT_COLUMNS),
        anomalies=anomalies.astype(ANOMALY_COLUMNS),
        extraction=stamp,
        origin=origin,
        fichier=fichier,
        layout=raw.layout,
        encoding=raw.encoding,
        demo=(is_demo_name(name) or is_demo_name(origin.name)) if demo is None else demo,
    )
