"""Annuaire Santé loader: hand-computed answers on small files in the official layout."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import DataError, DownloadError
from pipeline.sources import rpps
from pipeline.store.schema import create_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpps"
ACTIVITE = FIXTURES / "PS_LibreAcces_Personne_activite_202501150800.txt"
SANS_SF = FIXTURES / "sans_savoir_faire" / "PS_LibreAcces_Personne_activite_202502010900.txt"
SAVOIR_FAIRE = FIXTURES / "sans_savoir_faire" / "PS_LibreAcces_SavoirFaire_202502010900.txt"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    # The declared schema; each test writes its own small COG mapping.
    create_schema(connection)
    connection.execute("DROP TABLE cog_mapping")
    # 01099 is an old commune merged into 01002.
    connection.execute(
        """
        CREATE TABLE cog_mapping AS SELECT * FROM (VALUES
            ('01001', '01001', 'actuelle'), ('01002', '01002', 'actuelle'), ('01099', '01002', 'ancien')
        ) t(code, current_code, kind)
        """
    )
    yield connection
    connection.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_multi_site_practitioner_counted_once(con: duckdb.DuckDBPyConnection) -> None:
    report = rpps.load_rpps(con, ACTIVITE)
    assert report.rows == 14
    assert report.practitioners == 11
    assert report.vintage == "2025-01-15"
    # Every practitioner's weights sum to one over the rows kept (commune known).
    sums = _rows(con, "SELECT rpps, round(sum(poids), 9) FROM ps_activites WHERE commune IS NOT NULL GROUP BY rpps")
    assert {s for _, s in sums} == {1.0}
    # The nurse without commune and the midwife with an unknown commune are excluded: no weight.
    assert _rows(con, "SELECT rpps, poids FROM ps_activites WHERE commune IS NULL ORDER BY rpps") == [
        ("810000000009", None),
        ("810000000010", None),
    ]
    # The kiné has three sites (two in 01001, one in 01002): weights 1/3 each.
    kine = _rows(
        con,
        "SELECT commune, effectif, round(etp_sites, 6) FROM offre_commune "
        "WHERE groupe = 'Masseurs-kinésithérapeutes' ORDER BY commune",
    )
    assert kine == [("01001", 1, round(2 / 3, 6)), ("01002", 1, round(1 / 3, 6))]
    # The GP works in 01001 (libéral) and 01002 (salarié): half each.
    gp = _rows(
        con,
        "SELECT commune, mode, effectif, etp_sites FROM offre_commune "
        "WHERE groupe = 'Médecins généralistes' ORDER BY commune",
    )
    assert gp == [("01001", "libéral", 1, 0.5), ("01002", "salarié", 1, 0.5)]


def test_groups_recours_and_cadre(con: duckdb.DuckDBPyConnection) -> None:
    rpps.load_rpps(con, ACTIVITE)
    got = dict(
        _rows(
            con,
            "SELECT rpps, groupe || '/' || coalesce(recours, '-') || '/' || cadre FROM ps_activites "
            "WHERE ligne IN (2, 4, 5, 6, 7, 8, 9, 15)",
        )
    )
    assert got == {
        "810000000001": "Médecins généralistes/premier/cabinet",
        # Pédiatre: accès direct, a premier-recours specialty, but salaried in an établissement de santé.
        "810000000002": "Médecins spécialistes/hors ambulatoire/établissement de santé",
        "810000000003": "Médecins spécialistes/second/cabinet",  # cardiologue
        "810000000004": "Infirmiers/premier/cabinet",
        "810000000005": "Biologistes/second/autre",  # pharmacien section G
        "810000000006": "Pharmaciens/premier/officine",
        "810000000007": "Autres/-/cabinet",  # unknown profession kept
        "810000000011": "Autres/-/établissement de santé",  # médecin without specialty
    }
    assert _rows(con, "SELECT acces_direct, recours_profession FROM ps_activites WHERE rpps = '810000000002'") == [
        ("pédiatrie", "premier")
    ]
    # offre_commune keeps the setting: the GP's hospital site in 01002 is not premier recours.
    assert _rows(
        con,
        "SELECT commune, recours, mode, cadre, effectif FROM offre_commune "
        "WHERE groupe = 'Médecins généralistes' ORDER BY commune",
    ) == [("01001", "premier", "libéral", "cabinet", 1), ("01002", "hors ambulatoire", "salarié",
                                                            "établissement de santé", 1)]


def _activity_file(folder: Path, rows: list[dict[str, str]]) -> Path:
    """An activity file in the official 56-column layout with the given values (others empty)."""
    lines = ["|".join(rpps.COLONNES_ACTIVITE)]
    lines += ["|".join(row.get(column, "") for column in rpps.COLONNES_ACTIVITE) for row in rows]
    path = folder / "PS_LibreAcces_Personne_activite_202503010000.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _activity(
    rpps_id: str, profession: str, commune: str, secteur: str, mode: str = "L", sf: str = ""
) -> dict[str, str]:
    return {
        "Identification nationale PP": rpps_id,
        "Code profession": profession,
        "Libellé profession": "x",
        "Code type savoir-faire": "S" if sf else "",
        "Code savoir-faire": sf,
        "Code mode exercice": mode,
        "Code secteur d'activité": secteur,
        "Code commune (coord. structure)": commune,
    }


def test_weight_counts_only_rows_kept(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # One kiné, three rows: 01001 (kept), 99999 (unknown commune), no commune. Only the first is
    # kept, so its weight is 1 (not 1/3): n counts the rows kept, not the rows of the file.
    path = _activity_file(
        tmp_path,
        [_activity("1", "70", commune, "SA07") for commune in ("01001", "99999", "")],
    )
    rpps.load_rpps(con, path)
    assert _rows(con, "SELECT commune_source, poids FROM ps_activites ORDER BY ligne") == [
        ("01001", 1.0),
        ("99999", None),
        (None, None),
    ]
    assert _rows(con, "SELECT commune, effectif, etp_sites FROM offre_commune") == [("01001", 1, 1.0)]


def test_premier_recours_requires_ambulatory_practice(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Seed 000, footnote: « La notion de professionnel de santé de premier recours implique une certaine
    notion d'accessibilité et de proximité. Cela se traduit par une pratique en ambulatoire et un exercice
    de manière libérale ou salarié en centre de santé. »"""
    path = _activity_file(
        tmp_path,
        [
            _activity("1", "10", "01001", "SA07", sf="SM54"),  # GP, cabinet individuel: premier
            _activity("2", "10", "01001", "SA01", "S", sf="SM54"),  # GP, hôpital public: not premier
            _activity("3", "10", "01001", "SA05", "S", sf="SM54"),  # GP salarié en centre de santé: premier
            _activity("4", "10", "01001", "SA52", sf="SM54"),  # GP in a maison de santé: premier
            _activity("5", "21", "01001", "SA33"),  # pharmacien d'officine: premier
            _activity("6", "21", "01001", "SA01", "S"),  # pharmacien hospitalier: not premier
            _activity("7", "60", "01001", "SA33", "S"),  # infirmier in an officine: not premier
            _activity("8", "60", "01001", "SA17", "S"),  # infirmier in an EHPAD (médico-social): not premier
            _activity("9", "10", "01001", "SA07", sf="SM04"),  # cardiologue en cabinet: second recours
            _activity("10", "91", "01001", "SA07"),  # orthophoniste: not classified by seed 000
        ],
    )
    rpps.load_rpps(con, path)
    got = dict(_rows(con, "SELECT rpps, coalesce(recours_profession, '-') || '/' || coalesce(recours, '-') "
                          "FROM ps_activites"))
    assert got == {
        "1": "premier/premier",
        "2": "premier/hors ambulatoire",
        "3": "premier/premier",
        "4": "premier/premier",
        "5": "premier/premier",
        "6": "premier/hors ambulatoire",
        "7": "premier/hors ambulatoire",
        "8": "premier/hors ambulatoire",
        "9": "second/second",
        "10": "-/-",
    }


def test_commune_mapped_through_cog(con: duckdb.DuckDBPyConnection) -> None:
    rpps.load_rpps(con, ACTIVITE)
    # The nurse's site is coded 01099 (old commune) and lands in 01002.
    assert _rows(con, "SELECT commune_source, commune FROM ps_activites WHERE rpps = '810000000004'") == [
        ("01099", "01002")
    ]


def test_anomalies_reported_not_dropped(con: duckdb.DuckDBPyConnection) -> None:
    report = rpps.load_rpps(con, ACTIVITE)
    assert report.unknown_professions == {"77": 1}
    assert report.unmapped_communes == {"99999": 1}
    assert report.rows_without_commune == 1
    assert report.medecins_without_specialty == 1
    anomalies = _rows(con, "SELECT type, code, nb_lignes, premiere_ligne FROM ps_anomalies ORDER BY type")
    assert anomalies == [
        ("commune_inconnue", "99999", 1, 14),
        ("commune_non_renseignee", None, 1, 13),
        ("medecin_sans_specialite", None, 1, 15),
        ("profession_inconnue", "77", 1, 9),
    ]
    assert "Codes profession inconnus : 77" in report.summary_fr()


def test_provenance_recorded(con: duckdb.DuckDBPyConnection) -> None:
    report = rpps.load_rpps(con, ACTIVITE)
    rows = _rows(con, "SELECT source, vintage, origin, sha256, row_count, notes FROM sources")
    assert rows == [("annuaire-sante", "2025-01-15", str(ACTIVITE), rpps.sha256_file(ACTIVITE), 14, rows[0][5])]
    assert report.sha256 == rpps.sha256_file(ACTIVITE)
    assert "fictives" not in rows[0][5]


def test_savoir_faire_in_separate_file(con: duckdb.DuckDBPyConnection) -> None:
    report = rpps.load_rpps(con, SANS_SF, savoir_faire_path=SAVOIR_FAIRE)
    assert report.savoir_faire_source == "fichier PS_LibreAcces_SavoirFaire"
    got = _rows(con, "SELECT rpps, groupe, specialite_code, recours_profession FROM ps_activites ORDER BY rpps")
    assert got == [
        # SM54 (type S) preferred to the CAPA compétence.
        ("810000000001", "Médecins généralistes", "SM54", "premier"),
        ("810000000002", "Médecins spécialistes", "SM40", "premier"),
        # Two ordinal specialties: the smallest code wins (SM04 < SM53).
        ("810000000003", "Médecins spécialistes", "SM04", "second"),
        ("810000000004", "Infirmiers", None, "premier"),
    ]


def test_missing_savoir_faire_columns_without_file(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, SANS_SF)
    assert err.value.line == 1
    assert "« Code savoir-faire »" in err.value.message


def test_official_zip_with_both_members(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    archive = tmp_path / "PS_LibreAcces_202502010900.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(SANS_SF, SANS_SF.name)
        zf.write(SAVOIR_FAIRE, SAVOIR_FAIRE.name)
    report = rpps.load_rpps(con, archive)
    assert report.rows == 4
    assert report.vintage == "2025-02-01"
    assert report.savoir_faire_source == "fichier PS_LibreAcces_SavoirFaire"
    assert _rows(con, "SELECT specialite_code FROM ps_activites WHERE rpps = '810000000002'") == [("SM40",)]


# --------------------------------------------------------------------------- #
# Malformed inputs: French DataError naming file and line, tables untouched
# --------------------------------------------------------------------------- #


def _sentinel(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TABLE ps_activites AS SELECT 'sentinelle' AS rpps")
    con.execute("CREATE OR REPLACE TABLE offre_commune AS SELECT 'sentinelle' AS commune")


def _assert_untouched(con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "SELECT * FROM ps_activites") == [("sentinelle",)]
    assert _rows(con, "SELECT * FROM offre_commune") == [("sentinelle",)]
    assert not _rows(con, "SELECT * FROM ps_anomalies")


def _lines() -> list[str]:
    return ACTIVITE.read_text(encoding="utf-8").splitlines()


def test_missing_columns_all_listed(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = _lines()
    header = lines[0].split("|")
    drop = {header.index("Code profession"), header.index("Code commune (coord. structure)")}
    bad = ["|".join(v for i, v in enumerate(line.split("|")) if i not in drop) for line in lines]
    path = tmp_path / "PS_LibreAcces_Personne_activite_202501150800.txt"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, path)
    assert err.value.path == str(path) and err.value.line == 1
    assert "« Code profession »" in err.value.message
    assert "« Code commune (coord. structure) »" in err.value.message
    assert "Colonnes obligatoires absentes" in str(err.value)
    _assert_untouched(con)


def test_wrong_separator(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "activite.txt"
    path.write_text("\n".join(line.replace("|", ";") for line in _lines()) + "\n", encoding="utf-8")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, path)
    assert err.value.line == 1
    assert "séparateur attendu est « | »" in err.value.message
    _assert_untouched(con)


def test_latin1_row_reports_its_line(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = _lines()
    path = tmp_path / "activite.txt"
    body = "\n".join(lines[:3]).encode("utf-8") + b"\n" + lines[3].encode("latin-1") + b"\n"
    body += "\n".join(lines[4:]).encode("utf-8") + b"\n"
    path.write_bytes(body)
    _sentinel(con)
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, path)
    # Line 4 is the pédiatre, whose « Médecin » / « Pédiatrie » carry accents.
    assert err.value.line == 4
    assert "n'est pas encodé en UTF-8" in err.value.message
    _assert_untouched(con)


def test_latin1_file_fails_on_header(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "activite.txt"
    path.write_bytes(ACTIVITE.read_text(encoding="utf-8").encode("latin-1"))
    _sentinel(con)
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, path)
    assert err.value.line == 1
    _assert_untouched(con)


def test_truncated_line(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = _lines()
    path = tmp_path / "activite.txt"
    path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:40], encoding="utf-8")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, path)
    assert err.value.line == 15
    assert "Nombre de colonnes incorrect : 57 attendues" in err.value.message
    _assert_untouched(con)


def test_truncated_zip(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    archive = tmp_path / "PS_LibreAcces_202501150800.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.write(ACTIVITE, ACTIVITE.name)
    data = archive.read_bytes()
    cut = data.index(b"|810000000005|")  # inside the data of line 7
    archive.write_bytes(data[:cut])
    _sentinel(con)
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, archive)
    assert err.value.path == str(archive)
    assert err.value.line == 7
    assert "tronquée" in err.value.message
    _assert_untouched(con)


def test_empty_file(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "PS_LibreAcces_Personne_activite_202501150800.txt"
    path.write_bytes(b"")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, path)
    assert err.value.line == 1 and "vide" in err.value.message
    _assert_untouched(con)


def test_header_only(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "activite.txt"
    path.write_text(_lines()[0] + "\n", encoding="utf-8")
    _sentinel(con)
    with pytest.raises(DataError) as err:
        rpps.load_rpps(con, path)
    assert err.value.line == 2 and "aucune ligne de données" in err.value.message
    _assert_untouched(con)


def test_reload_replaces_previous_tables(con: duckdb.DuckDBPyConnection) -> None:
    rpps.load_rpps(con, ACTIVITE)
    rpps.load_rpps(con, SANS_SF, savoir_faire_path=SAVOIR_FAIRE)
    assert _rows(con, "SELECT count(*) FROM ps_activites") == [(4,)]
    assert _rows(con, "SELECT vintage FROM sources ORDER BY vintage") == [("2025-01-15",), ("2025-02-01",)]


# --------------------------------------------------------------------------- #
# Download
# --------------------------------------------------------------------------- #


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(ACTIVITE, root / "PS_LibreAcces.zip")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_streams_file(served: str, tmp_path: Path) -> None:
    dest = tmp_path / "raw"
    path = rpps.download_rpps(dest, url=f"{served}/PS_LibreAcces.zip")
    assert path == dest / "PS_LibreAcces.zip"
    assert path.read_bytes() == ACTIVITE.read_bytes()
    assert not list(dest.glob("*.part"))


def test_download_http_error(served: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as err:
        rpps.download_rpps(tmp_path, url=f"{served}/absent.zip")
    assert "404" in err.value.message


def test_download_server_down(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError) as err:
        rpps.download_rpps(tmp_path, url=f"http://127.0.0.1:{port}/PS_LibreAcces", timeout=(2.0, 2.0))
    assert "impossible" in err.value.message and "à la main" in err.value.message
    assert not list(tmp_path.iterdir())


def test_default_url_is_official() -> None:
    assert rpps.RPPS_EXTRACTION_URL.startswith("https://service.annuaire.sante.fr/")
    assert rpps.RPPS_EXTRACTION_URL.endswith("/extraction/PS_LibreAcces")
