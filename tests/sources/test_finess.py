"""FINESS staging: both layouts, classification, INSEE codes, units, projections, malformed inputs."""

from __future__ import annotations

import collections
import csv
import math
import os
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.sources import finess
from tests.sources.registry_units import cog_mapping, units

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "finess" / "etalab-cs1100507-stock-20250301-0412.csv"
SAMPLE = "samples/finess-etablissements-20201231-extrait.csv"


def lambert93_forward(lon: float, lat: float) -> tuple[float, float]:
    """Lambert-93 from longitude/latitude, written from the projection's definition.

    Lambert conformal conic with two standard parallels (Snyder, « Map
    Projections: A Working Manual », USGS 1987, eq. 15-1 to 15-10) on the
    GRS80 ellipsoid, with the IGN parameters of Lambert-93: parallels 44° and
    49° N, origin 46.5° N / 3° E, false easting 700 000 m, false northing
    6 600 000 m. Independent of pyproj, so it checks the loader's projection.
    """
    a, f = 6378137.0, 1 / 298.257222101
    e = math.sqrt(f * (2 - f))

    def m(phi: float) -> float:
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi: float) -> float:
        return math.tan(math.pi / 4 - phi / 2) / ((1 - e * math.sin(phi)) / (1 + e * math.sin(phi))) ** (e / 2)

    p1, p2, p0, l0 = (math.radians(v) for v in (49.0, 44.0, 46.5, 3.0))
    n = (math.log(m(p1)) - math.log(m(p2))) / (math.log(t(p1)) - math.log(t(p2)))
    big_f = m(p1) / (n * t(p1) ** n)

    def rho(phi: float) -> float:
        return a * big_f * t(phi) ** n

    theta = n * (math.radians(lon) - l0)
    phi = math.radians(lat)
    return 700000 + rho(phi) * math.sin(theta), 6600000 + rho(p0) - rho(phi) * math.cos(theta)


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius) in metres."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def stage(path: Path, **kwargs: object) -> finess.StagedFiness:
    return finess.stage_finess(path, units=units(), cog_mapping=cog_mapping(), **kwargs)  # type: ignore[arg-type]


def column(staged: finess.StagedFiness, name: str) -> dict[str, object]:
    frame = staged.etablissements
    return {f: (None if pd.isna(v) else v) for f, v in zip(frame["finess"], frame[name], strict=True)}


def test_insee_codes() -> None:
    assert finess.insee_code("01", "451") == "01451"
    assert finess.insee_code("2A", "004") == "2A004"
    assert finess.insee_code("2B", "33") == "2B033"
    assert finess.insee_code("9A", "123") == "97123"
    assert finess.insee_code("9D", "411") == "97411"
    assert finess.insee_code("9F", "610") == "97610"
    assert finess.insee_code("9J", "613") == "98613"
    assert finess.insee_code("", "451") is None


def test_projection_tokens() -> None:
    assert finess.epsg_for("1,ATLASANTE,96,BAN,L93_METROPOLE", "01") == (2154, True)
    assert finess.epsg_for("1,ATLASANTE,96,BAN,LAMBERT_93", "01") == (2154, True)
    assert finess.epsg_for("1,ATLASANTE,96,BAN,UTM_S40", "9D") == (2975, True)
    assert finess.epsg_for("1,ATLASANTE,96,BAN,UTM_N22", "9C") == (2972, True)
    assert finess.epsg_for("", "9F") == (4471, False)
    assert finess.epsg_for("", "974") == (2975, False)  # a flattened file writes the INSEE département
    assert finess.epsg_for("", "2B") == (2154, False)


def test_lambert93_origin_and_paris_within_one_metre() -> None:
    lon, lat = finess.to_wgs84(np.array([700000.0]), np.array([6600000.0]), np.array([2154.0]))
    # The projection origin is 3° E, 46.5° N by definition of Lambert-93.
    assert metres(lon[0], lat[0], 3.0, 46.5) < 1.0
    x, y = lambert93_forward(2.3522, 48.8566)
    lon, lat = finess.to_wgs84(np.array([x]), np.array([y]), np.array([2154.0]))
    assert metres(lon[0], lat[0], 2.3522, 48.8566) < 1.0


def test_declared_columns_and_dtypes() -> None:
    staged = stage(FIXTURE)
    assert {c: str(t) for c, t in staged.etablissements.dtypes.items()} == finess.ETABLISSEMENT_COLUMNS
    assert {c: str(t) for c, t in staged.anomalies.dtypes.items()} == finess.ANOMALY_COLUMNS
    assert set(staged.etablissements["extraction"]) == {date(2025, 3, 1)}


def test_stock_layout_classifies_and_locates() -> None:
    staged = stage(FIXTURE)
    assert len(staged.etablissements) == 13 and staged.layout == "stock"
    assert staged.extraction == date(2025, 3, 1)  # « finess;etalab;97;2025-03-01 »
    assert column(staged, "groupe") == {
        "010000024": "Hôpital public",  # 355 CH
        "2A0000011": "Hôpital privé",  # 365 clinique, codesph 0
        "750000031": "MSP",  # 603
        "010000041": "Centre de santé",  # 124
        "010000051": "EHPAD",  # 500
        "010000061": "SSIAD",  # 354
        "010000071": "DAC",  # 606
        "010000081": "Psychiatrie",  # 156 CMP
        "010000091": "SSR",  # 109
        "010000101": "Autre médico-social",  # 183 IME
        "010000111": "Pharmacie",  # 620 pharmacie d'officine
        "970400024": "Hôpital public",  # 101 CHR
        "010000131": "Centre de santé",
    }
    communes = column(staged, "commune_source")
    assert (communes["2A0000011"], communes["970400024"], communes["750000031"]) == ("2A004", "97411", "75056")
    # Paris: the unit is the arrondissement that « 75001 PARIS » names.
    assert (column(staged, "code_postal")["750000031"], column(staged, "unite")["750000031"]) == ("75001", "75101")
    assert column(staged, "unite")["010000024"] == "01451"
    # Name with quotes and a ';' inside a quoted field.
    assert column(staged, "nom")["010000041"] == 'CDS "LES PINS"; ANNEXE'
    assert column(staged, "adresse")["010000024"] == "900 RTE DE PARIS 01440 VIRIAT"


def test_coordinates_within_one_metre() -> None:
    frame = stage(FIXTURE).etablissements.set_index("finess")
    assert frame.loc["010000024", "epsg"] == 2154
    assert metres(frame.loc["010000024", "lon"], frame.loc["010000024", "lat"], 3.0, 46.5) < 1.0
    assert metres(frame.loc["750000031", "lon"], frame.loc["750000031", "lat"], 2.3522, 48.8566) < 1.0
    assert metres(frame.loc["2A0000011", "lon"], frame.loc["2A0000011", "lat"], 8.74, 41.92) < 1.0
    assert frame.loc["970400024", "epsg"] == 2975
    assert metres(frame.loc["970400024", "lon"], frame.loc["970400024", "lat"], 55.45, -20.88) < 1.0
    assert np.isnan(frame.loc["010000051", "lon"])


def test_stock_anomalies() -> None:
    staged = stage(FIXTURE)
    assert staged.anomalies[["type", "code", "nb_lignes", "premiere_ligne"]].values.tolist() == [
        ["commune_inconnue", "01999", 1, 14],
        ["projection_deduite", "", 1, 5],
        ["sans_coordonnees", "", 8, 6],
    ]
    assert staged.geolocated == 4 + 1
    assert set(staged.anomalies["fichier"]) == {str(FIXTURE)}


def test_flattened_sample(mirror: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    # The real flattened extract: 100 establishments of the Ain, one header line, ';', coordinates inline.
    table, mapping = cog2026
    staged = finess.stage_finess(mirror / SAMPLE, units=table, cog_mapping=mapping)
    frame = staged.etablissements.set_index("finess")
    assert (len(frame), staged.layout, staged.extraction) == (100, "à plat", date(2020, 12, 31))
    assert staged.geolocated == 100  # every row has coordx/coordy
    assert frame["ligne"].tolist() == list(range(2, 102))
    # First row: « 010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT;…;01451;01440;
    # VIRIAT;01440 VIRIAT;…;355;C.H.;Centre Hospitalier (C.H.);1102;…;870215.7;6571590.5;…,LAMBERT_93;… »
    first = frame.loc["010000024"]
    assert first["nom"] == "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
    assert (first["commune_source"], first["commune"], first["unite"], first["code_postal"]) == (
        "01451", "01451", "01451", "01440"
    )
    assert (first["groupe"], first["categorie_libelle"], first["categorie_agregat_code"]) == (
        "Hôpital public", "Centre Hospitalier (C.H.)", "1102"
    )
    x, y = lambert93_forward(first["lon"], first["lat"])
    assert abs(x - 870215.7) < 1.0 and abs(y - 6571590.5) < 1.0
    # 59 rows are « 620 » pharmacies, once drawn and counted in « Autre » among schools and social services;
    # 1 « 610 » and 1 « 611 » laboratories; 8 « 355 » and 3 « 106 » public hospitals (counted in the raw file).
    assert (frame["categorie_code"] == "620").sum() == 59
    groups = frame["groupe"].value_counts()
    assert (groups["Pharmacie"], groups["Laboratoire"], groups["Hôpital public"]) == (59, 2, 11)
    assert set(frame.loc[frame["groupe"] == "Laboratoire", "categorie_code"]) == {"610", "611"}
    # The mirror's copy was re-encoded with losses (« H\ufffdpital »): reported; the category label comes from
    # the nomenclature, the names stay as they are; a garbled status (no nomenclature here) is left empty and
    # reported, never shown with « \ufffd » (a review).
    assert frame.loc["010000081", "categorie_libelle"] == "Centre hospitalier"
    assert pd.isna(frame.loc["010000024", "statut_sph"])
    with open(mirror / SAMPLE, encoding="utf-8", errors="replace", newline="") as handle:
        records = list(csv.DictReader(handle, delimiter=";"))
    garbled = collections.Counter(r["sph"] for r in records if "\ufffd" in r["libsph"])
    lost = staged.anomalies[staged.anomalies["type"] == "sph_libelle_illisible"]
    assert dict(zip(lost["code"], lost["nb_lignes"], strict=True)) == dict(garbled) and garbled
    # Besides, the garbled aggregate labels left empty (test_garbled_category_labels_come_from_the_nomenclature…).
    kept = staged.anomalies[~staged.anomalies["type"].isin(["agregat_libelle_illisible", "sph_libelle_illisible"])]
    assert kept[["type", "nb_lignes", "premiere_ligne"]].values.tolist() == [["caracteres_illisibles", 99, 2]]
    # Counted from the raw file: its lines holding « \ufffd » once read with replacement (the header has none).
    assert sum("\ufffd" in "".join(r.values()) for r in records) == 99
    assert (" 99 lignes avec des caractères illisibles (« \ufffd », fichier ré-encodé avec perte) : noms et adresses "
            "gardés tels quels.") in staged.summary_fr()


def test_flattened_windows_1252_is_recognised(
    mirror: Path, tmp_path: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    text = (mirror / SAMPLE).read_text(encoding="utf-8").replace("\ufffd", "é")
    path = tmp_path / "finess-etablissements-20201231.csv"
    path.write_bytes(text.encode("cp1252"))
    table, mapping = cog2026
    staged = finess.stage_finess(path, units=table, cog_mapping=mapping)
    assert staged.encoding == "cp1252" and staged.anomalies.empty
    assert column(staged, "statut_sph")["010000024"] == "Etab.public de santé"
    # Said to be UTF-8, the same file is refused at its first accented line.
    with pytest.raises(DataError) as err:
        stage(path, encoding="utf-8")
    assert err.value.line == 2 and "UTF-8" in err.value.message


def test_file_mixing_two_encodings_is_refused(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    # Line 2 in UTF-8 (« santé »), line 6 in Latin-1 (« hébergement »).
    path.write_bytes("\n".join(text[:5]).encode() + b"\n" + "\n".join(text[5:]).encode("latin-1") + b"\n")
    with pytest.raises(DataError) as err:
        stage(path)
    assert err.value.line == 6 and "mélange UTF-8 et un autre encodage" in err.value.message
    assert "encoding=" not in err.value.message  # what to do, in terms of the command line: it has no such option
    assert err.value.message.endswith("réenregistrez-le en UTF-8 (ou repartez de l'extraction FINESS d'origine, sans "
                                      "y ajouter de lignes d'un autre encodage)")


def _flat(tmp_path: Path, rows: list[str], header: str | None = None) -> Path:
    header = header or ("nofinesset;nofinessej;rs;rslongue;cog;codepostal;ligneacheminement;categetab;libcategetab;"
                        "sph;coordx;coordy;sourcegeocod")
    path = tmp_path / "finess-etablissements-20240101.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_flattened_units_duplicates_and_raw_names(tmp_path: Path) -> None:
    path = _flat(tmp_path, [
        "130000011;130000010;=HYPERLINK(1);=HYPERLINK(1);13055;13005;13005 MARSEILLE;603;MSP;;;;",
        "130000021;130000020;CDS;;13055;13331;13331 MARSEILLE CEDEX 03;124;CDS;;;;",
        "130000031;130000030;CMP;;13208;13008;13008 MARSEILLE;156;CMP;1;;;",
        "130000011;130000010;DOUBLON;;13055;13005;13005 MARSEILLE;603;MSP;;;;",
    ])  # fmt: skip
    staged = stage(path)
    assert column(staged, "unite") == {"130000011": "13205", "130000021": "13055", "130000031": "13208"}
    assert set(column(staged, "commune").values()) == {"13055"}
    # A name starting with « = » is data: kept as written (escaping is the renderers' job).
    assert column(staged, "nom")["130000011"] == "=HYPERLINK(1)"
    assert staged.anomalies[["type", "code", "nb_lignes", "premiere_ligne"]].values.tolist() == [
        ["arrondissement_non_determine", "13055", 1, 3],
        ["finess_en_double", "130000011", 1, 5],
        ["sans_coordonnees", "", 3, 2],
    ]
    # Said in the summary of ``make data`` too, as the Annuaire Santé's repeated lines are (a review).
    assert staged.summary_fr().endswith(" 1 ligne en double (numéro FINESS déjà lu plus haut) ignorée : la première "
                                        "ligne de chaque numéro est gardée.")


def test_commune_codes_without_their_zero_or_missing_are_located(tmp_path: Path) -> None:
    """A ``cog`` saved as a number (1451 for 01451) gets its zero back; a row without one is placed by its postal
    code when one commune has it (01400: Alpha), or with the place name where communes share it (01640: Beta-sur-Ain
    and Saint-Gamma); the others stay unplaced and reported (registry_units: hand-written COG)."""
    path = _flat(tmp_path, [
        "010000011;010000010;ZERO;;1451;01440;01440 VIRIAT;603;MSP;;;;",
        "010000021;010000020;CP SEUL;;;01400;01400 ALPHA;603;MSP;;;;",
        "010000031;010000030;CP PARTAGE;;;01640;01640 ST GAMMA;603;MSP;;;;",
        "010000041;010000040;CP AMBIGU;;;01640;01640 AILLEURS;603;MSP;;;;",
        "130000051;130000050;ARRONDISSEMENT;;;13005;13005 MARSEILLE;603;MSP;;;;",
    ])  # fmt: skip
    staged = stage(path)
    assert column(staged, "commune") == {"010000011": "01451", "010000021": "01001", "010000031": "01003",
                                         "010000041": None, "130000051": "13055"}
    assert column(staged, "unite")["130000051"] == "13205"
    anomalies = staged.anomalies.set_index("type")
    assert anomalies.loc["zero_initial_retabli", "code"] == "01451"
    assert anomalies.loc["localise_par_code_postal", "nb_lignes"].sum() == 3
    assert anomalies.loc["commune_inconnue", "premiere_ligne"] == 5


def test_codes_of_departements_outside_the_load_are_never_placed_by_postal_code(tmp_path: Path) -> None:
    """A database of some départements knows only their communes: a postal code shared across a border has one
    candidate among them, the wrong one (registry_units: 01, 2A, 974, 75, 69 and 13 loaded, 38 not)."""
    path = _flat(tmp_path, [
        "380000011;380000010;AILLEURS;;38001;01400;01400 ALPHA;603;MSP;;;;",  # Isère, sharing 01400 with Alpha
        "010000021;010000020;FAUTE DE FRAPPE;;01999;01400;01400 ALPHA;603;MSP;;;;",  # unknown code of a loaded dép.
        "830000031;830000030;SANS CODE;;;01400;01400 RIBOUX;603;MSP;;;;",  # no code, another commune's name
        "010000041;010000040;SANS CODE;;;01400;01400 ALPHA;603;MSP;;;;",  # no code, the loaded commune's name
    ])  # fmt: skip
    staged = finess.stage_finess(path, units=units(), cog_mapping=cog_mapping(),
                                 loaded_departements=("01", "13", "2A", "69", "75", "974"))
    assert column(staged, "commune") == {"380000011": None, "010000021": "01001", "830000031": None,
                                         "010000041": "01001"}
    # Isère's record is outside the load, not « inconnu »; the record without any code cannot be told.
    anomalies = staged.anomalies.set_index("type")
    assert anomalies.loc[["hors_departements_charges"], ["code", "nb_lignes"]].values.tolist() == [["38", 1]]
    assert anomalies.loc[["commune_inconnue"], "nb_lignes"].sum() == 1
    assert "1 établissement hors des départements chargés." in staged.summary_fr()


def test_flattened_field_count_and_missing_columns(tmp_path: Path) -> None:
    path = _flat(tmp_path, ["130000011;130000010;MSP;;13055;13005;13005 MARSEILLE;603;MSP;;;;",
                            "130000021;130000020;CDS;;13055;13005;124;CDS;;;;"])
    with pytest.raises(DataError) as err:
        stage(path)
    assert err.value.line == 3 and "13 attendus d'après l'en-tête, 12 trouvés" in err.value.message
    path = _flat(tmp_path, ["1;2"], header="nofinesset;rs")
    with pytest.raises(DataError) as err:
        stage(path)
    assert err.value.line == 1 and "« categetab », « cog », « coordx », « coordy »" in err.value.message


def test_a_flattened_copy_that_lost_a_coordinate_column_is_refused(mirror: Path, tmp_path: Path) -> None:
    """A review: the real sample without « coordy » loaded, « 0 géolocalisés », said as empty coordinates."""
    rows = [line.split(";") for line in (mirror / SAMPLE).read_text(encoding="latin-1").splitlines()]
    gone = rows[0].index("coordy")
    path = tmp_path / Path(SAMPLE).name
    path.write_text("\n".join(";".join(c for i, c in enumerate(r) if i != gone) for r in rows) + "\n",
                    encoding="latin-1")
    with pytest.raises(DataError) as err:
        stage(path)
    assert (err.value.line, err.value.message) == (
        1, "Colonnes obligatoires absentes de l'extraction FINESS à plat : « coordy »")


def test_a_header_repeated_in_a_flattened_copy_is_refused_with_its_line(mirror: Path, tmp_path: Path) -> None:
    """A review: two copies joined end to end loaded their second header as an establishment « nofinesset »."""
    lines = (mirror / SAMPLE).read_text(encoding="latin-1").splitlines()
    path = tmp_path / Path(SAMPLE).name
    path.write_text("\n".join([*lines[:50], lines[0], *lines[50:]]) + "\n", encoding="latin-1")
    with pytest.raises(DataError) as err:
        stage(path)
    assert err.value.line == 51 and err.value.message.startswith("L'en-tête est répété dans les données")
    # Two UTF-8 files each with a BOM, joined by `cat` (a second review: loaded).
    text = (mirror / SAMPLE).read_text(encoding="utf-8").replace("\ufffd", "é")
    path.write_bytes(("\ufeff" + "\n".join(text.splitlines()[:50]) + "\n\ufeff" + text + "\n").encode("utf-8"))
    with pytest.raises(DataError) as err:
        stage(path)
    assert err.value.line == 51 and err.value.message.startswith("L'en-tête est répété dans les données")


def test_a_file_encoded_twice_is_refused_with_its_line(mirror: Path, tmp_path: Path) -> None:
    """A second review: the sample saved UTF-8 → Latin-1 → UTF-8 loaded, « HÃ´pital GÃ©nÃ©ral » in the reports."""
    text = (mirror / SAMPLE).read_text(encoding="utf-8").replace("\ufffd", "é")
    lines = text.splitlines()
    first = next(number for number, line in enumerate(lines, start=1) if not line.isascii())
    path = tmp_path / Path(SAMPLE).name
    path.write_bytes("\n".join(lines).encode("utf-8").decode("latin-1").encode("utf-8"))
    with pytest.raises(DataError) as err:
        stage(path)
    assert err.value.line == first and err.value.message.startswith("Texte encodé deux fois (« ")
    assert "Ã©" in err.value.message


def test_zip_of_the_stock_file(tmp_path: Path) -> None:
    archive = tmp_path / "finess.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURE, FIXTURE.name)
        zf.writestr("LISEZMOI.txt", "notice")
    staged = stage(archive)
    assert len(staged.etablissements) == 13 and staged.fichier == f"{archive}!{FIXTURE.name}"


# --------------------------------------------------------------------------- #
# Malformed inputs
# --------------------------------------------------------------------------- #


def _lines() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


def fails(path: Path, **kwargs: object) -> DataError:
    with pytest.raises(DataError) as err:
        stage(path, **kwargs)
    return err.value


def test_incomplete_record_lists_missing_fields(tmp_path: Path) -> None:
    lines = _lines()
    lines[3] = ";".join(lines[3].split(";")[:13])  # stops after « commune »
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = fails(path)
    assert error.path == str(path) and error.line == 4
    assert "« departement »" in error.message and "« numuai »" in error.message


@pytest.mark.parametrize(("dropped", "field", "value"), [
    (14, "categetab", "Centre Hospitalier (C.H.)"),  # « libdepartement » lost: categetab reads the next label
    (23, "codesph", "Etablissement public de santé"),  # « codeape » lost, after the category
])
def test_record_with_a_field_lost_in_the_middle_is_refused(tmp_path: Path, dropped: int, field: str,
                                                           value: str) -> None:
    """A review: a record that lost its « libdepartement » has 30 fields, which the layout allows (« numuai » may
    be missing), and was read shifted: category « S.S.I.A.D », one SSIAD counted as « Autre », no anomaly."""
    lines = _lines()
    fields = lines[1].split(";")
    assert fields[dropped] in {"AIN", ""}
    lines[1] = ";".join(fields[:dropped] + fields[dropped + 1:])
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = fails(path)
    assert error.path == str(path) and error.line == 2
    assert error.message.startswith(f"Enregistrement « structureet » décalé : le champ « {field} » vaut « {value} »")


def test_a_stock_file_saved_again_by_a_spreadsheet_is_not_taken_for_a_shifted_one(tmp_path: Path) -> None:
    # A re-save turns 1979-02-13 into 13/02/1979 (or 2/13/1979, or « 1979-02-13 00:00:00 ») and « 03 » into « 3 »:
    # nothing is shifted, the record is read.
    lines = _lines()
    fields = lines[1].split(";")
    fields[28:31] = ["2/13/1979", "13/02/79", "2020-02-04 00:00:00"]  # dateouv, dateautor, datemaj
    fields[24] = "3"
    lines[1] = ";".join(fields)
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged = stage(path)
    assert column(staged, "categorie_code")["010000024"] == "355"


def test_category_unknown_to_the_nomenclature_is_reported(tmp_path: Path) -> None:
    """A review: a record of category 999 went to « Autre » without a word."""
    lines = _lines()
    fields = lines[5].split(";")  # the EHPAD, category 500
    assert fields[18] == "500"
    fields[18], fields[19] = "999", "Catégorie de test"
    lines[5] = ";".join(fields)
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged = stage(path)
    unknown = staged.anomalies[staged.anomalies["type"] == "categorie_inconnue"]
    assert unknown[["code", "libelle", "nb_lignes", "premiere_ligne"]].values.tolist() == [
        ["999", "Catégorie de test", 1, 6]]
    row = staged.etablissements.set_index("categorie_code").loc["999"]
    assert row["groupe"] == "Autre"
    told = "1 établissement d'une catégorie inconnue de la nomenclature : compté dans « Autre »."
    assert told in staged.summary_fr()


def test_an_establishment_without_category_is_counted_in_autre_and_reported(tmp_path: Path) -> None:
    """A review: one record whose category code and label were both empty refused the whole file as « décalé »
    (a field lost or added), though its fields were all in place. A code without its label is still refused."""
    lines = _lines()
    fields = lines[5].split(";")  # the EHPAD, category 500
    assert fields[18] == "500" and fields[19]
    fields[18], fields[19] = "", ""
    lines[5] = ";".join(fields)
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged = stage(path)
    assert len(staged.etablissements) == len(stage(FIXTURE).etablissements)
    missing = staged.anomalies[staged.anomalies["type"] == "categorie_non_renseignee"]
    assert missing[["code", "nb_lignes", "premiere_ligne"]].values.tolist() == [["", 1, 6]]
    finess_number = fields[1]
    assert column(staged, "groupe")[finess_number] == "Autre"
    assert column(staged, "categorie_code")[finess_number] is None
    assert "1 établissement sans catégorie : compté dans « Autre »." in staged.summary_fr()
    assert not (staged.anomalies["type"] == "categorie_inconnue").any()
    # An empty code whose label is still there is a shifted record, as before.
    fields[19] = "Etablissement d'hébergement pour personnes âgées dépendantes"
    lines[5] = ";".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 6
    assert error.message.startswith("Enregistrement « structureet » décalé : le champ « categetab »")


def test_wrong_separator(tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_text("\n".join(line.replace(";", ",") for line in _lines()) + "\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 1 and "« ; »" in error.message


def test_unknown_layout(tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 1 and error.message.startswith("Format FINESS non reconnu")


def test_latin1_stock_file(tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_bytes(FIXTURE.read_text(encoding="utf-8").encode("latin-1"))
    # Declared UTF-8: refused at the first non-ASCII byte, « Etablissement public de santé » on line 2.
    error = fails(path, encoding="utf-8")
    assert error.line == 2 and "UTF-8" in error.message
    # By default the single-byte encoding is recognised, and the file loads.
    assert len(stage(path).etablissements) == 13
    assert len(stage(path, encoding="latin-1").etablissements) == 13


def test_truncated_zip(tmp_path: Path) -> None:
    archive = tmp_path / "finess.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.write(FIXTURE, FIXTURE.name)
    data = archive.read_bytes()
    archive.write_bytes(data[: data.index(b"structureet;010000051")])
    error = fails(archive)
    assert error.line == 6 and "tronquée" in error.message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_bytes(b"")
    assert fails(path).line == 1


def test_header_without_records(tmp_path: Path) -> None:
    path = tmp_path / "finess.csv"
    path.write_text("finess;etalab;97;2025-03-01\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 2 and "structureet" in error.message


def test_coordinates_outside_their_projection_are_dropped_and_reported(tmp_path: Path) -> None:
    """Lambert 93 of Viriat (about 5.22 E, 46.25 N) written right, with x and y swapped, and as
    degrees under a LAMBERT_93 token: only the first can be placed; the others keep their commune."""
    x, y = lambert93_forward(5.22, 46.25)
    path = _flat(tmp_path, [
        f"010000011;010000010;JUSTE;;01451;01440;01440 VIRIAT;603;MSP;;{x:.1f};{y:.1f};1,ATLASANTE,100,IGN,LAMBERT_93",
        f"010000021;010000020;INVERSE;;01451;01440;01440 VIRIAT;355;CH;;{y:.1f};{x:.1f};1,ATLASANTE,100,IGN,LAMBERT_93",
        "010000031;010000030;DEGRES;;01451;01440;01440 VIRIAT;603;MSP;;5.22;46.25;1,ATLASANTE,100,IGN,LAMBERT_93",
    ])  # fmt: skip
    staged = stage(path)
    lon, lat = column(staged, "lon"), column(staged, "lat")
    assert metres(lon["010000011"], lat["010000011"], 5.22, 46.25) < 1.0  # type: ignore[arg-type]
    assert (lon["010000021"], lat["010000021"], lon["010000031"], lat["010000031"]) == (None, None, None, None)
    assert column(staged, "commune") == {"010000011": "01451", "010000021": "01451", "010000031": "01451"}
    assert staged.geolocated == 1
    anomalies = staged.anomalies.set_index("type")
    assert (anomalies.loc["coordonnees_hors_zone", "nb_lignes"],
            anomalies.loc["coordonnees_hors_zone", "premiere_ligne"]) == (2, 3)


def test_finess_numbers_a_spreadsheet_shortened_get_their_zero_back(tmp_path: Path) -> None:
    """Opened and saved in a spreadsheet, 010000011 becomes 10000011 and its entity 010000010 becomes 10000010:
    FINESS numbers have nine characters, so the zero comes back (and is reported), as for commune codes."""
    header = ("nofinesset;nofinessej;rs;rslongue;departement;cog;codepostal;ligneacheminement;categetab;"
              "libcategetab;sph;coordx;coordy;sourcegeocod")
    path = _flat(tmp_path, [
        "10000011;10000010;ZERO;;1;1451;01440;01440 VIRIAT;603;MSP;;;;",
        "2A0000021;2A0000020;CORSE;;2A;2A004;20000;20000 AJACCIO;603;MSP;;;;",
    ], header)  # fmt: skip
    staged = stage(path)
    assert sorted(column(staged, "finess")) == ["010000011", "2A0000021"]
    assert column(staged, "finess_ej") == {"010000011": "010000010", "2A0000021": "2A0000020"}
    assert column(staged, "departement") == {"010000011": "01", "2A0000021": "2A"}
    assert column(staged, "commune")["010000011"] == "01451"
    shortened = staged.anomalies[staged.anomalies["message"].str.startswith("Numéro FINESS de 8 chiffres")]
    assert (shortened["nb_lignes"].tolist(), shortened["premiere_ligne"].tolist()) == ([1], [2])


def test_a_shortened_number_of_the_stock_layout_keeps_its_coordinates(tmp_path: Path) -> None:
    """Both records of the stock layout lose the zero in a spreadsheet: the number comes back in both, so that
    the establishment keeps its coordinates (700 000, 6 600 000 is 3° E, 46.5° N). An eight-digit number of
    the Bouches-du-Rhône (13) is no shortened 01–09 number: left as it is."""
    text = FIXTURE.read_text(encoding="utf-8").splitlines()
    structure = next(line for line in text if line.startswith("structureet;010000024;"))
    shortened = structure.replace(";010000024;010780054;", ";10000024;10780054;").replace(";451;01;AIN;", ";451;1;AIN;")
    marseille = structure.replace(";010000024;010780054;", ";13000101;13000100;").replace(";451;01;AIN;", ";055;13;;")
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join([text[0], shortened, marseille,
                               "geolocalisation;10000024;700000.0;6600000.0;1,ATLASANTE,96,BAN,L93_METROPOLE;2025-02-01"])
                    + "\n", encoding="utf-8")
    staged = stage(path)
    assert sorted(column(staged, "finess")) == ["010000024", "13000101"]
    assert column(staged, "departement")["010000024"] == "01"
    assert metres(column(staged, "lon")["010000024"], column(staged, "lat")["010000024"],  # type: ignore[arg-type]
                  3.0, 46.5) < 1.0
    assert "geolocalisation_orpheline" not in set(staged.anomalies["type"])


def _ain_bounds(mirror: Path, mapping: pd.DataFrame) -> pd.DataFrame:
    """Bounding boxes of the Ain's communes read from the mirror's 2018 polygons, merged communes united under
    their current code (as the database's harmonised polygons are)."""
    import json

    rows = []
    for feature in json.loads((mirror / "contours-communes-2018" / "communes-01-ain.geojson").read_text())["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        points = np.array([p for polygon in polygons for ring in polygon for p in ring])
        rows.append((feature["properties"]["code"], *points.min(axis=0), *points.max(axis=0)))
    boxes = pd.DataFrame(rows, columns=["code", "xmin", "ymin", "xmax", "ymax"])
    boxes["code"] = boxes["code"].map(mapping.set_index("code")["current_code"]).fillna(boxes["code"])
    return boxes.groupby("code", as_index=False).agg(xmin=("xmin", "min"), ymin=("ymin", "min"),
                                                     xmax=("xmax", "max"), ymax=("ymax", "max"))


def test_coordinates_far_from_their_commune_are_dropped_and_reported(
    mirror: Path, tmp_path: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """An establishment of Bourg-en-Bresse (01053) given the Lambert 93 of Marseille (892 000, 6 247 000: about
    5.37 E, 43.29 N, some 320 km south of Bourg's box, 46.17–46.23 N) is counted in Bourg, not drawn in Marseille;
    one given the Lambert 93 of Bourg's centre (5.2258 E, 46.2052 N) keeps its point."""
    table, mapping = cog2026
    x, y = lambert93_forward(5.2258, 46.2052)
    path = _flat(tmp_path, [
        "010000011;010000010;A MARSEILLE;;01053;01000;01000 BOURG EN BRESSE;603;MSP;;892000.0;6247000.0;"
        "1,ATLASANTE,100,IGN,LAMBERT_93",
        f"010000021;010000020;A BOURG;;01053;01000;01000 BOURG EN BRESSE;603;MSP;;{x:.1f};{y:.1f};"
        "1,ATLASANTE,100,IGN,LAMBERT_93",
    ])  # fmt: skip
    bounds = _ain_bounds(mirror, mapping)
    staged = finess.stage_finess(path, units=table, cog_mapping=mapping, commune_bounds=bounds)
    lon, lat = column(staged, "lon"), column(staged, "lat")
    assert (lon["010000011"], lat["010000011"]) == (None, None)
    assert metres(lon["010000021"], lat["010000021"], 5.2258, 46.2052) < 1.0  # type: ignore[arg-type]
    assert column(staged, "commune") == {"010000011": "01053", "010000021": "01053"}
    far = staged.anomalies[staged.anomalies["type"] == "coordonnees_hors_commune"]
    assert far[["code", "nb_lignes", "premiere_ligne"]].values.tolist() == [["01053", 1, 2]]
    distance = int(far["message"].iloc[0].split("jusqu'à ")[1].split(" km")[0].replace("\u202f", ""))
    assert 300 < distance < 340
    assert "1 établissement géolocalisé loin de sa commune : compté dans sa commune" in staged.summary_fr()
    # Without the communes' boxes (a caller that has none), nothing is checked.
    assert finess.stage_finess(path, units=table, cog_mapping=mapping).geolocated == 2


def test_real_sample_points_all_lie_by_their_commune(
    mirror: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """The tolerance rejects none of the 100 real, address-geocoded establishments of the Ain."""
    table, mapping = cog2026
    staged = finess.stage_finess(mirror / SAMPLE, units=table, cog_mapping=mapping,
                                 commune_bounds=_ain_bounds(mirror, mapping))
    assert staged.geolocated == 100
    assert not (staged.anomalies["type"] == "coordonnees_hors_commune").any()


def test_garbled_category_labels_come_from_the_nomenclature_or_stay_empty(
    mirror: Path, tmp_path: Path, cog2026: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """Categories 286, 379 and 611 of the real sample (« Etablissement Exp\ufffdrimental pour Adultes
    Handicap\ufffds »…) read the ANS labels (JDV_J55-CategorieEG-ROR), 379 in « Autre médico-social »; a
    category the nomenclature lacks (999) keeps no garbled label; no label shows « \ufffd »."""
    table, mapping = cog2026
    staged = finess.stage_finess(mirror / SAMPLE, units=table, cog_mapping=mapping)
    frame = staged.etablissements.drop_duplicates("categorie_code").set_index("categorie_code")
    assert frame.loc["286", "categorie_libelle"] == "Service de prévention spécialisée"
    assert frame.loc["379", "categorie_libelle"] == "Etablissement expérimental pour adultes handicapés"
    assert frame.loc["611", "categorie_libelle"] == "Laboratoire de biologie médicale (LBM)"
    assert frame.loc["379", "groupe"] == "Autre médico-social"
    for name in ("categorie_libelle", "categorie_agregat_libelle"):
        assert not staged.etablissements[name].fillna("").str.contains("\ufffd").any()
    # Readable aggregate labels stay (« Centres Hospitaliers »); garbled ones (« H\ufffdpitaux Locaux ») are empty.
    assert frame.loc["355", "categorie_agregat_libelle"] == "Centres Hospitaliers"
    assert pd.isna(frame.loc["106", "categorie_agregat_libelle"])
    lost = staged.anomalies[staged.anomalies["type"] == "agregat_libelle_illisible"].set_index("code")
    assert lost.loc["1106", "nb_lignes"] == 3 and lost.loc["3201", "nb_lignes"] == 59  # 59 pharmacies
    assert not (staged.anomalies["type"] == "categorie_libelle_illisible").any()
    path = _flat(tmp_path, ["010000011;010000010;INCONNUE;;01053;01000;01000 BOURG EN BRESSE;999;Cat\ufffdgorie;;;;"])
    unknown = finess.stage_finess(path, units=table, cog_mapping=mapping)
    assert column(unknown, "categorie_libelle")["010000011"] is None
    assert column(unknown, "groupe")["010000011"] == "Autre"
    flagged = unknown.anomalies[unknown.anomalies["type"] == "categorie_libelle_illisible"]
    assert flagged[["code", "nb_lignes", "premiere_ligne"]].values.tolist() == [["999", 1, 2]]


def test_a_file_ending_its_lines_with_cr_alone_is_read_as_the_same_file(tmp_path: Path) -> None:
    """A review: the stock file saved with classic Mac OS line endings (CR alone) stopped on an English csv error
    (exit 1). It holds the same 13 establishments as the original."""
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_bytes("\r".join(_lines()).encode("utf-8") + b"\r")
    assert sorted(column(stage(path), "finess")) == sorted(column(stage(FIXTURE), "finess"))


def test_a_quote_never_closed_is_refused_at_its_line(tmp_path: Path) -> None:
    """A quote opened on line 5 and never closed swallows the 300 000 characters after it: the csv module's own
    limit (131 072) stopped with an English error and exit 1; now a French error at the line where it starts."""
    lines = _lines()
    lines[4] += ';"ouvert'
    lines.insert(5, "x" * 300_000)
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = fails(path)
    assert error.line == 5 and "guillemet" in error.message and "131 072 caractères" in error.message


def test_a_carriage_return_inside_a_value_is_refused_in_french(tmp_path: Path) -> None:
    lines = _lines()
    lines[2] = lines[2].replace("CLINIQUE TEST", "CLINIQUE\rTEST")
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    error = fails(path)
    assert error.line == 3 and "retour chariot isolé" in error.message


def test_a_repeated_number_keeps_the_coordinates_of_its_first_record(tmp_path: Path) -> None:
    """A review: the first record of a repeated FINESS number was kept with the last one's geolocation (a Digne
    establishment drawn at Manosque's). Lambert 93 (700 000, 6 600 000) is 3° E, 46.5° N; the second record's
    point is 100 km east."""
    lines = _lines()
    structure = next(line for line in lines if line.startswith("structureet;010000024;"))
    twin = structure.replace("FLEYRIAT", "HOMONYME")
    geo = [line for line in lines if not line.startswith("geolocalisation;010000024;")]
    path = tmp_path / "etalab-cs1100507-stock-20250301-0412.csv"
    source = "1,ATLASANTE,96,BAN,L93_METROPOLE;2025-02-01"
    path.write_text("\n".join([*geo, twin, f"geolocalisation;010000024;700000.0;6600000.0;{source}",
                               f"geolocalisation;010000024;800000.0;6600000.0;{source}"]) + "\n", encoding="utf-8")
    staged = stage(path)
    assert column(staged, "nom")["010000024"] == "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
    assert metres(column(staged, "lon")["010000024"], column(staged, "lat")["010000024"],  # type: ignore[arg-type]
                  3.0, 46.5) < 1.0
    assert "finess_en_double" in set(staged.anomalies["type"])


def test_an_undated_file_says_its_date_is_the_files(tmp_path: Path) -> None:
    """No « finess;etalab;…;date » line and no date in the name: the extraction is dated by the file's
    modification time, and the summary says so (a review: « FINESS du 05/12/2026 » read as the real date)."""
    path = tmp_path / "etablissements.csv"
    path.write_text("\n".join(_lines()[1:]) + "\n", encoding="utf-8")
    stamp = date(2024, 5, 17)
    seconds = (stamp - date(1970, 1, 1)).days * 86400 + 43200
    os.utime(path, (seconds, seconds))
    staged = stage(path)
    assert staged.extraction == stamp
    assert staged.summary_fr().startswith("FINESS du 17/05/2024 (date du fichier : ni son en-tête ni son nom n'en "
                                          "donnent)")
    assert "date_extraction_deduite" in set(staged.anomalies["type"])


def test_a_file_cut_in_the_middle_of_its_last_line_is_refused(tmp_path: Path) -> None:
    """A review: a download cut inside the last « geolocalisation » record (4 of its 5 fields, no line break) loaded
    without a word, the records after the cut lost. Cut inside its last line, the fixture is refused on that line;
    cut after a whole line, or whole without its final line break, it loads."""
    text = FIXTURE.read_text(encoding="utf-8")
    lines = text.rstrip("\n").split("\n")
    last = lines[-1]
    assert last.startswith("geolocalisation;") and len(last.split(";")) == 6
    path = tmp_path / "finess.csv"
    path.write_text("\n".join([*lines[:-1], ";".join(last.split(";")[:4])]), encoding="utf-8")
    error = fails(path)
    assert error.line == len(lines) and error.message.startswith(
        "Fichier tronqué : la dernière ligne, sans fin de ligne, n'a que 3 champs sur 5")
    # Cut inside the record's type (« geoloc »), or leaving one field: refused too (a review: loaded).
    path.write_text("\n".join([*lines[:-1], "geoloc"]), encoding="utf-8")
    assert fails(path).message.startswith("Fichier tronqué : la dernière ligne, sans fin de ligne, s'arrête dans son "
                                          "type d'enregistrement (« geoloc »)")
    path.write_text("\n".join([*lines[:-1], ";".join(last.split(";")[:2])]), encoding="utf-8")
    assert "n'a que 1 champ sur 5" in fails(path).message
    path.write_text("\n".join(lines), encoding="utf-8")  # whole, no final line break
    assert len(stage(path).etablissements) == 13


@pytest.mark.parametrize("cut", ["2020-0", "2020-01-1", "13/0", "1979-02-13 00:0"])
def test_a_flattened_file_cut_inside_its_last_date_is_refused(tmp_path: Path, cut: str) -> None:
    """A review: the published flattened file ends each line with its date ``datemaj``; a download cut inside it
    (« 2020-0 », no line break) has every field and loaded without a word. The date left incomplete is refused on
    its line; whole, in FINESS's form or as a spreadsheet re-saves it, without a final line break, it loads."""
    header = "nofinesset;nofinessej;rs;cog;categetab;libcategetab;coordx;coordy;datemaj"
    rows = ["130000011;130000010;MSP;13055;603;MSP;;;2019-05-02", f"130000021;130000020;CDS;13055;124;CDS;;;{cut}"]
    path = tmp_path / "finess-etablissements-20240101.csv"
    path.write_text("\n".join([header, *rows]), encoding="utf-8")
    error = fails(path)
    assert error.line == 3
    assert error.message.startswith("Fichier tronqué : la dernière ligne, sans fin de ligne, s'arrête dans sa date "
                                    f"« datemaj » (« {cut} »)")
    for whole in ("2020-01-13", "13/01/2020", "1/13/20", "2020-01-13 00:00:00", ""):
        path.write_text("\n".join([header, rows[0], rows[1].rsplit(";", 1)[0] + ";" + whole]), encoding="utf-8")
        assert len(stage(path).etablissements) == 2
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")  # ended by a line break: not a cut
    assert len(stage(path).etablissements) == 2


def test_opening_dates_a_spreadsheet_re_saved_are_read_as_dates(tmp_path: Path) -> None:
    """A review: « 13/02/1979 » (a French spreadsheet's re-save) stayed text in the workbook's date column, where
    the published « 1979-02-13 » and « 1979-02-13 00:00:00 » became the date 13 February 1979. Every shape is
    read as that date; a day that does not exist is kept as written."""
    shapes = ["1979-02-13", "1979-02-13 00:00:00", "13/02/1979", "2/13/1979", "13/02/79", "31/02/1979", ""]
    rows = [f"1300000{i}1;1300000{i}0;MSP {i};;13055;13005;13005 MARSEILLE;603;MSP;;;;;{shape}"
            for i, shape in enumerate(shapes)]
    header = ("nofinesset;nofinessej;rs;rslongue;cog;codepostal;ligneacheminement;categetab;libcategetab;"
              "sph;coordx;coordy;sourcegeocod;dateouvert")
    dates = column(stage(_flat(tmp_path, rows, header)), "date_ouverture")
    assert [dates[f"1300000{i}1"] for i in range(5)] == ["1979-02-13"] * 5
    assert dates["130000051"] == "31/02/1979" and dates["130000061"] is None
