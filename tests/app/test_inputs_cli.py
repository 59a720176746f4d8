"""Issue 11, items 6 and 9 through the command line: flow tables and what-if input, untrusted archives.

Item 6: in ``FLUX=``, malformed or unknown commune codes are reported and
left out (the diagnostic runs); non-finite or absurd volumes, and non-finite
or absurd ``AJOUT=`` values, stop it with a French message (exit 2).

Item 9: ``REGISTRY=`` archives that are encrypted, Deflate64, a
decompression bomb, a zip whose name holds ``*`` (only that file is read, not
what the pattern would match), and a full temporary folder while extracting.

Every refusal leaves the database and the previous outputs unchanged; usage
errors of argparse are in French too.
"""

from __future__ import annotations

import csv
import json
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

import duckdb
import pytest

from pipeline.cli import main
from pipeline.sources import archives
from tests.app.robust_support import CODE_ERROR, PREVIOUS, Workspace, cli, error_line, snapshot

SAMPLE = "samples/PS_LibreAcces_Personne_activite_202112020908-extrait.txt"
MEMBER = "PS_LibreAcces_Personne_activite_202501150800.txt"
KEPT = ("La base est celle du dernier chargement achevé (make data écrit dans une copie, qui ne la remplace qu'à la "
        "fin) et les sorties précédentes sont intactes.")




# --------------------------------------------------------------------------- item 6: FLUX= and AJOUT=


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_codes_of_a_flow_table_are_reported_and_left_out(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = write(tmp_path / "flux.csv", "origine;destination;volume\n04070;04001;12\n0407;04001;5\n"
                                         "99999;04070;3\nabc;04070;2\n04001;04070;7\n")
    code, out, err = cli(capsys, "diagnostic", "communes:04070,04001", "--flux", str(table))
    assert (code, err) == (0, "")
    summary = json.loads((ws.diagnostics / "communes-04070-04001" / "summary.json").read_text(encoding="utf-8"))
    notes = [
        "Table origine–destination : 3 lignes écartées (codes communes invalides ou inconnus) : lignes 3, 4, 5",
        # Rows inside the territory only: one caveat, not two that contradict each other (a code review).
        "Table origine–destination : aucun recours hors du territoire ni d'habitants d'autres communes (la table ne "
        "semble donner que les recours de ses habitants réalisés dans le territoire) : auto-confinement, fuites, "
        "recours réalisés dans le territoire et attraction non disponibles",
    ]  # « 0407 » lost no zero (« 00407 » is no code): left out without a « zéro initial rétabli » note
    assert [n for n in summary["notes"] if n.startswith("Table origine")] == notes
    assert all(f"  note : {n}\n" in out for n in notes)
    # Kept: lines 2 and 6, both inside the territory (12 + 7 consultations): no flow leaves it, so that the
    # residents' leaks are not known (not 0: the self-containment is not 100 %). Without a profession column they
    # are GP consultations (flows and pertinence read them alike).
    assert summary["flows"]["origine"] == f"table origine-destination fournie ({table})"
    assert summary["flows"]["auto_confinement"] == {"Médecins généralistes": None}
    # No row kept from elsewhere (99999 and abc were): the attraction is not known, not 0.
    assert summary["flows"]["attraction"] == {"Médecins généralistes": None}
    assert "leurs fuites ne sont pas connues" in summary["pertinence"]["indisponible"]
    assert "auto_confinement" not in summary["pertinence"]


def _refused_cases() -> list[object]:
    return [
        pytest.param("origine;destination;volume\n04070;04001;inf\n", "volume négatif ou non fini « inf »", 2,
                     id="volume-infini"),
        pytest.param("origine;destination;volume\n04070;04001;nan\n", "volume négatif ou non fini « nan »", 2,
                     id="volume-nan"),
        pytest.param("origine;destination;volume\n04070;04001;1e9\n",
                     "volume aberrant « 1e9 » (plus de 100 000 000 recours pour un couple de communes)", 2,
                     id="volume-aberrant"),
    ]


@pytest.mark.parametrize(("content", "message", "line"), _refused_cases())
def test_bad_volumes_stop_the_diagnostic(ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         content: str, message: str, line: int) -> None:
    table = write(tmp_path / "flux.csv", content)
    before = snapshot(ws)
    code, out, err = cli(capsys, "diagnostic", PREVIOUS, "--flux", str(table))
    assert (code, err) == (CODE_ERROR, error_line(f"Table origine–destination invalide : {message}", table, line))
    assert "Diagnostic de" not in out
    assert snapshot(ws) == before


def test_a_table_without_a_usable_row_stops_the_diagnostic(ws: Workspace, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A review: every code written « 4166.5 », or of a commune unknown to the COG, ran to exit 0 and replaced a
    good report with flows « non disponible ». Nothing usable: exit 2, the values named, the outputs kept."""
    table = write(tmp_path / "flux.csv", "origine;destination;volume\n4070.5;04070;12\n99999;04070;5\n")
    before = snapshot(ws)
    code, out, err = cli(capsys, "diagnostic", PREVIOUS, "--flux", str(table))
    assert code == CODE_ERROR and "Diagnostic de" not in out
    assert err == error_line(
        "Flux non calculés : la table de flux fournie n'a aucune ligne utilisable (toutes écartées : codes communes "
        "invalides ou inconnus, ou communes hors des départements chargés dans la base) ; par exemple ligne 2 : code "
        "origine invalide « 4070.5 » : ligne écartée ; ligne 3 : code origine 99999 absent du code officiel "
        "géographique : ligne écartée", table)
    assert snapshot(ws) == before


def test_a_table_of_another_territory_stops_the_diagnostic(ws: Workspace, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A review's table of Manosque's (04112) consultations, given for Digne-les-Bains (04070): every row usable,
    none touching the territory; it ran to exit 0 with every figure « non disponible ». Refused, outputs kept."""
    table = write(tmp_path / "flux.csv", "origine;destination;volume\n04112;04112;600\n04112;04001;30\n")
    before = snapshot(ws)
    code, out, err = cli(capsys, "diagnostic", PREVIOUS, "--flux", str(table))
    assert (code, "Diagnostic de" in out) == (CODE_ERROR, False)
    assert err == error_line("Table origine–destination : aucune ligne n'a pour origine ni pour destination une "
                             "unité du territoire ; est-ce la table de ce territoire ?", table)
    assert snapshot(ws) == before


def test_a_table_of_only_the_residents_leaks_out_of_the_load_is_usable(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every row a Digne (04070) resident's consultation in Gap (05061, Hautes-Alpes, not loaded): the flows section
    counts such rows as leaks, but the check before it read the table without the territory and refused it
    (exit 2, « aucune ligne utilisable »). By hand: 40 recours of the residents, none inside, self-containment 0."""
    table = write(tmp_path / "flux.csv", "origine;destination;volume\n04070;05061;25\n04070;05061;15\n")
    code, out, err = cli(capsys, "diagnostic", PREVIOUS, "--flux", str(table))
    assert (code, err) == (0, ""), err
    assert "Diagnostic de Digne-les-Bains" in out
    with (ws.diagnostics / "communes-04070" / "flux_synthese.csv").open(encoding="utf-8-sig") as f:
        rows = {row["groupe"]: row for row in csv.DictReader(f)}
    gp = rows["Médecins généralistes"]
    assert (gp["recours_residents"], gp["recours_internes"], gp["fuites"]) == ("40", "0", "40")
    assert float(gp["auto_confinement"]) == 0.0


@pytest.mark.parametrize(("value", "message"), [
    ("inf", "Scénario : élément 1, nombre invalide « inf » (un nombre de professionnels, au centième près, ex. 2, "
            "-1 ou 0,5) ; forme attendue « groupe:nombre@commune », par ex. « médecins généralistes:2@04070 »."),
    ("nan", "Scénario : élément 1, nombre invalide « nan » (un nombre de professionnels, au centième près, ex. 2, "
            "-1 ou 0,5) ; forme attendue « groupe:nombre@commune », par ex. « médecins généralistes:2@04070 »."),
    ("0", "Scénario : élément 1, la variation doit être un nombre non nul (« 0 »)."),
])
def test_non_finite_what_if_is_refused(ws: Workspace, capsys: pytest.CaptureFixture[str], value: str,
                                       message: str) -> None:
    before = snapshot(ws)
    code, _out, err = cli(capsys, "diagnostic", PREVIOUS, "--ajout", f"médecins généralistes:{value}@04070")
    assert (code, err) == (CODE_ERROR, error_line(message))
    assert snapshot(ws) == before


def test_absurd_what_if_is_refused(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(ws)
    code, _, err = cli(capsys, "diagnostic", PREVIOUS, "--ajout", "médecins généralistes:1e9@04070")
    assert code == CODE_ERROR
    assert err.startswith("Erreur : Scénario : élément 1, ") and "1e9" in err and err.count("\n") == 1
    assert snapshot(ws) == before


@pytest.mark.parametrize(("args", "message"), [
    (["diagnostic", PREVIOUS, "--ajout", "médecins", "généralistes:1@04070"],
     "python -m pipeline : erreur : arguments non reconnus : généralistes:1@04070\n"),
    (["diagnostic"], "python -m pipeline diagnostic : erreur : arguments obligatoires absents : territoire\n"),
    (["couverture"],
     "python -m pipeline couverture : erreur : l'une des options --region --departement --france est obligatoire\n"),
    (["diagnostic", PREVIOUS, "--signature"],
     "python -m pipeline diagnostic : erreur : option --signature : une valeur est attendue\n"),
    (["data", "--departements", "04", "--toute-la-france"],
     "python -m pipeline data : erreur : option --toute-la-france : incompatible avec l'option --departements\n"),
])
def test_usage_errors_are_in_french(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation : ") and err.endswith(message)


# --------------------------------------------------------------------------- item 9: untrusted archives


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def patch_headers(path: Path, *, flag: int | None = None, method: int | None = None,
                  declared_size: int | None = None) -> Path:
    """Rewrite fields of the first local header and its central directory entry (PKWARE APPNOTE 4.3.7, 4.3.12)."""
    data = bytearray(path.read_bytes())
    local, central = 0, data.index(b"PK\x01\x02")
    for value, offsets, fmt in ((flag, (6, 8), "<H"), (method, (8, 10), "<H"), (declared_size, (22, 24), "<I")):
        if value is not None:
            struct.pack_into(fmt, data, local + offsets[0], value)
            struct.pack_into(fmt, data, central + offsets[1], value)
    path.write_bytes(bytes(data))
    return path


@pytest.fixture()
def sample(mirror: Path) -> bytes:
    return (mirror / SAMPLE).read_bytes()


@pytest.mark.parametrize(("patch", "message"), [
    ({"flag": 0x1}, "Fichier chiffré (protégé par un mot de passe) dans l'archive : extrayez-le vous-même puis "
                    "donnez le fichier extrait"),
    ({"method": 9}, "Méthode de compression non prise en charge : Deflate64 ; recompressez l'archive en ZIP "
                    "standard (Deflate) ou donnez le fichier extrait"),
], ids=["chiffree", "deflate64"])
def test_unreadable_archive_is_named(ws: Workspace, tmp_path: Path, sample: bytes,
                                     capsys: pytest.CaptureFixture[str], patch: dict[str, int], message: str) -> None:
    archive = patch_headers(make_zip(tmp_path / "PS_LibreAcces_202501150800.zip", {MEMBER: sample}), **patch)
    before = snapshot(ws)
    code, _, err = cli(capsys, "data", "--registre", str(archive))
    assert (code, err) == (CODE_ERROR, error_line(message, f"{archive}!{MEMBER}"))
    assert snapshot(ws) == before


def test_decompression_bomb_is_refused_before_decompressing(
    ws: Workspace, tmp_path: Path, sample: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = make_zip(tmp_path / "PS_LibreAcces_202501150800.zip", {MEMBER: sample})
    with zipfile.ZipFile(archive) as opened:
        compressed = opened.getinfo(MEMBER).compress_size
    patch_headers(archive, declared_size=4_000_000_000)
    before = snapshot(ws)
    code, _, err = cli(capsys, "data", "--registre", str(archive))
    ratio = 4_000_000_000 // compressed
    assert (code, err) == (CODE_ERROR, error_line(
        f"Archive suspecte (bombe de décompression ?) : taux de compression déclaré {ratio}:1, au-delà de la "
        "limite de 200:1", f"{archive}!{MEMBER}"))
    assert snapshot(ws) == before


def test_star_in_a_file_name_reads_that_file_only(
    ws: Workspace, tmp_path: Path, sample: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """« PS_LibreAcces_*.zip » is a name, not a pattern: the decoy it would match is never read."""
    starred = make_zip(tmp_path / "PS_LibreAcces_*.zip", {MEMBER: sample})
    decoy = make_zip(tmp_path / "PS_LibreAcces_202501150800.zip", {MEMBER: b"leurre|\n"})
    code, _out, err = cli(capsys, "data", "--registre", str(starred))
    assert (code, err) == (0, "")
    con = duckdb.connect(str(ws.db), read_only=True)
    try:
        origins = con.execute("SELECT origin, demo, row_count FROM sources WHERE source = 'annuaire-sante'").fetchall()
    finally:
        con.close()
    # The decoy would have failed (no activity columns); the sample's 22 data lines were read.
    assert origins == [(str(starred), False, len(sample.decode().splitlines()) - 1)]
    assert decoy.exists()


def test_full_temporary_folder_while_extracting(
    ws: Workspace, tmp_path: Path, sample: bytes, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    archive = make_zip(tmp_path / "PS_LibreAcces_202501150800.zip", {MEMBER: sample})

    def full_disk(target: Path) -> BinaryIO:
        return open("/dev/full", "wb")  # every write fails with ENOSPC, as on a full disk

    monkeypatch.setattr(archives, "_open_target", full_disk)
    before = snapshot(ws)
    code, _, err = cli(capsys, "data", "--registre", str(archive))
    assert code == 1
    assert err.startswith("Erreur système : plus d'espace libre sur le disque (fichier ")
    assert err.endswith(f"membre.txt). {KEPT}\n") and err.count("\n") == 1
    assert snapshot(ws) == before


# --------------------------------------------------------------------------- item 12: the flattened FINESS layout


def test_flattened_finess_sample_loads(ws: Workspace, mirror: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real rows of ``samples/`` (one header line, « ; », ISO-8859-1, Lambert 93 coordinates inline)."""
    path = mirror / "samples" / "finess-etablissements-20201231-extrait.csv"
    establishments = len(path.read_bytes().decode("latin-1").strip().splitlines()) - 1
    code, out, err = cli(capsys, "data", "--finess", str(path))
    assert (code, err) == (0, "")
    assert f"FINESS du 31/12/2020 (à plat) : {establishments} établissements, dont {establishments} géolocalisés." \
        in out
    con = duckdb.connect(str(ws.db), read_only=True)
    try:
        assert con.execute("SELECT origin, demo, row_count FROM sources WHERE source = 'finess'").fetchall() == [
            (str(path), False, establishments)]
        assert con.execute("SELECT count(*) FROM etablissements").fetchall() == [(establishments,)]
    finally:
        con.close()
