"""INSEE Filosofi 2019 staging: the mirror's files read in place, hostile files written by the tests."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import config
from pipeline.errors import DataError
from pipeline.sources.filosofi import (
    COLUMNS,
    FILOSOFI_COMMUNES,
    FILOSOFI_EPCI,
    filosofi_by_unit,
    filosofi_cities,
    map_filosofi_communes,
    stage_filosofi,
)

HEADER = ("CODGEO;LIBGEO;NBMEN19;NBPERS19;NBUC19;Q119;Q219;Q319;Q3_Q1;D119;D219;D319;D419;D619;D719;D819;D919;"
          "RD;S80S2019;GI19;PACT19;PTSA19;PCHO19;PBEN19;PPEN19;PPAT19;PPSOC19;PPFAM19;PPMINI19;PPLOGT19;PIMPOT19")
# Two real rows of FILO2019_DISP_COM.csv (INSEE), a secret one and a published one.
ROW_SECRET = "01001;L'Abergement-Clémenciat;322;819;542,7;;23970;;;;;;;;;;;;;;;;;;;;;;;;"
ROW_FULL = ("01004;Ambérieu-en-Bugey;6711;15040;10296,8;14940;20510;27310;12370;11080;13800;16110;18340;22940;25670;"
            "29110;35230;3,2;4,200;0,290;70,1;63,4;3,1;3,6;25,6;12,3;7,7;2,8;3,1;1,8;-15,7")


@pytest.fixture(scope="module")
def communes(mirror: Path) -> pd.DataFrame:
    return stage_filosofi(mirror / FILOSOFI_COMMUNES.mirror_path, "COM")


@pytest.fixture(scope="module")
def cog_mapping(mirror: Path) -> pd.DataFrame:
    """The real COG history of the mirror (every decoupage-administratif vintage chained to 2026)."""
    from pipeline.sources.cog import build_mapping
    from pipeline.sources.decoupage import staged_vintage
    from pipeline.sources.download import sha256_of

    paths = {v: mirror / config.decoupage_file(v).mirror_path for v in config.DECOUPAGE_VERSIONS}
    vintages = [staged_vintage(path, v, sha256_of(path)) for v, path in paths.items()]
    return build_mapping(pd.concat([v.communes for v in vintages]), pd.concat([v.edges for v in vintages]),
                         config.CURRENT_VINTAGE)


def raw_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))[1:]


# --------------------------------------------------------------------------- the real files


@pytest.mark.mirror
def test_every_commune_row_is_staged_with_declared_columns(communes: pd.DataFrame, mirror: Path) -> None:
    rows = raw_rows(mirror / FILOSOFI_COMMUNES.mirror_path)
    assert len(communes) == len(rows) == 31361
    assert list(communes.columns) == COLUMNS
    assert communes["code"].tolist() == [r[0] for r in rows]  # codes keep their leading zeros and 2A/2B
    assert communes["personnes"].dtype == "Int64" and communes["mediane"].dtype == "float64"
    assert communes["secret"].dtype == bool
    assert communes["ligne"].tolist()[:2] == [2, 3]


@pytest.mark.mirror
def test_secret_cells_are_nan_never_zero(communes: pd.DataFrame, mirror: Path) -> None:
    rows = raw_rows(mirror / FILOSOFI_COMMUNES.mirror_path)
    # « secret statistique » : only NBMEN, NBPERS, NBUC and Q2 are published for small communes.
    secret_in_file = sum(1 for r in rows if r[5] == "")
    assert communes["secret"].sum() == secret_in_file == 26025
    small = communes[communes["secret"]]
    assert small["q1"].isna().all() and small["part_minima_sociaux"].isna().all()
    assert small["mediane"].notna().all() and small["personnes"].notna().all()
    assert not (communes[["q1", "d1", "d9", "gini", "part_minima_sociaux"]] == 0).any().any()


@pytest.mark.mirror
def test_decimal_comma_values_of_known_rows(communes: pd.DataFrame) -> None:
    row = communes.set_index("code").loc["01004"]  # Ambérieu-en-Bugey, values read off the file
    assert (row["menages"], row["personnes"], row["unites_consommation"]) == (6711, 15040, 10296.8)
    assert (row["q1"], row["mediane"], row["q3"], row["d1"], row["d9"]) == (14940, 20510, 27310, 11080, 35230)
    assert row["s80s20"] == 4.2  # « 4,200 » is four point two, not four thousand two hundred
    assert (row["gini"], row["rapport_interdecile"], row["part_impots"]) == (0.29, 3.2, -15.7)
    assert (row["part_minima_sociaux"], row["part_pensions"]) == (3.1, 25.6)
    marseille = communes.set_index("code").loc["13055"]
    assert (marseille["mediane"], marseille["personnes"]) == (19370, 811765)


@pytest.mark.mirror
def test_epci_file(mirror: Path) -> None:
    epci = stage_filosofi(mirror / FILOSOFI_EPCI.mirror_path, "EPCI")
    assert len(epci) == len(raw_rows(mirror / FILOSOFI_EPCI.mirror_path)) == 1240
    row = epci.set_index("code").loc["200000172"]  # CC Faucigny-Glières
    assert (row["libelle"], row["mediane"], row["gini"]) == ("CC Faucigny-Glières", 25520, 0.294)
    assert not epci["secret"].any()


@pytest.mark.mirror
def test_mapping_to_current_communes(communes: pd.DataFrame, cog_mapping: pd.DataFrame) -> None:
    mapped, unmapped = map_filosofi_communes(communes, cog_mapping)
    assert unmapped.empty  # every code of about COG 2021 reaches a commune of 2026
    # The three cities as a whole are left to filosofi_cities: their arrondissements are the units.
    assert len(mapped) == len(communes) - 3
    assert not mapped["code_source"].isin(["75056", "69123", "13055"]).any()
    arr = mapped.set_index("code_source").loc["13201"]
    assert (arr["unite"], arr["commune"], arr["mediane"]) == ("13201", "13055", 15390)
    cities = filosofi_cities(communes).set_index("commune")
    assert sorted(cities.index) == ["13055", "69123", "75056"] and cities.at["75056", "mediane"] == 28570
    # Béon (01039) merged into Culoz (01138), commune nouvelle Culoz-Béon.
    culoz = mapped[mapped["unite"] == "01138"].set_index("code_source")
    assert sorted(culoz.index) == ["01039", "01138"]
    assert culoz["fusion"].all() and (culoz["lignes_unite"] == 2).all()
    assert mapped["fusion"].sum() == 140 and mapped.loc[mapped["fusion"], "unite"].nunique() == 61


@pytest.mark.mirror
def test_merged_communes_add_counts_but_not_medians(communes: pd.DataFrame, cog_mapping: pd.DataFrame) -> None:
    mapped, _ = map_filosofi_communes(communes, cog_mapping)
    units = filosofi_by_unit(mapped).set_index("unite")
    culoz = units.loc["01138"]
    assert culoz["personnes"] == 489 + 2782 and culoz["menages"] == 1470
    assert np.isnan(culoz["mediane"])  # a median of two communes is not a mix of their medians
    assert culoz["mediane_approchee"] == pytest.approx((21230 * 489 + 20530 * 2782) / (489 + 2782))
    assert culoz["codes_source"] == "01039,01138"
    ambérieu = units.loc["01004"]
    assert (ambérieu["mediane"], ambérieu["mediane_approchee"], ambérieu["fusion"]) == (20510, 20510, False)
    assert len(units) == len(mapped) - 140 + 61


# --------------------------------------------------------------------------- hostile files


def write(tmp_path: Path, *rows: str, name: str = "FILO2019_DISP_COM.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode())
    return path


def test_insee_zip_is_read_in_place(tmp_path: Path) -> None:
    csv_path = write(tmp_path, ROW_SECRET, ROW_FULL)
    archive = tmp_path / "indic-struct-distrib-revenu-2019-COMMUNES_csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(csv_path, "FILO2019_DISP_COM.csv")
        z.writestr("FILO2019_DEC_COM.csv", "autre fichier")
    staged = stage_filosofi(archive, "COM")
    assert staged["code"].tolist() == ["01001", "01004"] and staged["secret"].tolist() == [True, False]
    archive.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(DataError, match="Archive Filosofi illisible"):
        stage_filosofi(archive)


def test_bad_cells_codes_and_duplicates_are_all_named(tmp_path: Path) -> None:
    bad_decimal = ROW_FULL.replace("10296,8", "10296.8")
    spaced = ROW_FULL.replace("01004", "01005").replace(";6711;", ";6 711;")
    path = write(tmp_path, ROW_SECRET, bad_decimal, "1001" + ROW_SECRET[5:], spaced, ROW_SECRET)
    with pytest.raises(DataError) as info:
        stage_filosofi(path)
    assert info.value.line == 3
    assert info.value.message == (
        "Fichier Filosofi invalide :"
        "\n  - ligne 3 : NBUC19 : « 10296.8 » n'est pas un nombre"
        "\n  - ligne 4 : code « 1001 » invalide"
        "\n  - ligne 5 : NBMEN19 : « 6 711 » n'est pas un nombre"
        "\n  - ligne 6 : code 01001 en double (déjà ligne 2)")


def test_missing_columns_and_wrong_file(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(HEADER.replace(";PPMINI19", "").replace(";GI19", "") + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        stage_filosofi(path)
    assert info.value.message == "Colonnes Filosofi absentes : GI19, PPMINI19"
    path.write_text("CODGEO;LIBGEO;P19_POP\n01001;X;800\n", encoding="utf-8")
    with pytest.raises(DataError, match="Colonne NBMENAA absente : ce n'est pas un fichier Filosofi DISP"):
        stage_filosofi(path)


def test_unknown_codes_are_reported_not_dropped(tmp_path: Path) -> None:
    staged = stage_filosofi(write(tmp_path, ROW_SECRET, ROW_FULL, ROW_FULL.replace("01004", "99999")))
    mapping = pd.DataFrame({"code": ["01001", "01004", "99999"], "current_code": ["01001", "01004", None]})
    mapped, unmapped = map_filosofi_communes(staged, mapping.iloc[:2])
    assert mapped["unite"].tolist() == ["01001", "01004"]
    assert unmapped.to_dict("records") == [{"code": "99999", "libelle": "Ambérieu-en-Bugey", "ligne": 4,
                                            "raison": "code absent de tous les millésimes du COG chargés"}]
    _, unmapped = map_filosofi_communes(staged, mapping)
    assert unmapped["raison"].tolist() == ["code connu du COG mais sans commune actuelle correspondante"]


def test_source_descriptions() -> None:
    assert FILOSOFI_COMMUNES.url == ("https://www.insee.fr/fr/statistiques/fichier/6036907/"
                                     "indic-struct-distrib-revenu-2019-COMMUNES_csv.zip")
    assert FILOSOFI_EPCI.extra["member"] == "FILO2019_DISP_EPCI.csv"
