"""Annuaire Santé staging: hand-computed answers on small files in the official layout, no database."""

from __future__ import annotations

import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import DataError
from pipeline.sources import annuaire
from tests.sources.registry_units import cog_mapping, units

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpps"
ACTIVITE = FIXTURES / "PS_LibreAcces_Personne_activite_202501150800.txt"
SANS_SF = FIXTURES / "sans_savoir_faire" / "PS_LibreAcces_Personne_activite_202502010900.txt"
SAVOIR_FAIRE = FIXTURES / "sans_savoir_faire" / "PS_LibreAcces_SavoirFaire_202502010900.txt"


def stage(path: Path, savoir_faire: Path | None = None, **kwargs: object) -> annuaire.StagedAnnuaire:
    return annuaire.stage_annuaire(path, savoir_faire, units=units(), cog_mapping=cog_mapping(), **kwargs)


def by_rpps(staged: annuaire.StagedAnnuaire, column: str) -> dict[str, object]:
    frame = staged.activites
    return {r: (None if pd.isna(v) else v) for r, v in zip(frame["rpps"], frame[column], strict=True)}


def test_declared_columns_and_dtypes() -> None:
    staged = stage(ACTIVITE)
    assert list(staged.activites.columns) == list(annuaire.ACTIVITE_COLUMNS)
    assert {c: str(t) for c, t in staged.activites.dtypes.items()} == annuaire.ACTIVITE_COLUMNS
    assert list(staged.anomalies.columns) == list(annuaire.ANOMALY_COLUMNS)
    assert {c: str(t) for c, t in staged.anomalies.dtypes.items()} == annuaire.ANOMALY_COLUMNS
    # Lines of the file: header = 1, the 14 activities on lines 2..15.
    assert staged.activites["ligne"].tolist() == list(range(2, 16))
    assert set(staged.activites["extraction"]) == {date(2025, 1, 15)}
    assert staged.extraction == date(2025, 1, 15) and staged.header_columns == 57


def test_multi_site_practitioner_weights_sum_to_one() -> None:
    staged = stage(ACTIVITE)
    frame = staged.activites
    assert staged.rows == 14 and staged.practitioners == 11
    located = frame[frame["commune"].notna()]
    assert set(located.groupby("rpps")["poids"].sum().round(9)) == {1.0}
    # The nurse without address and the midwife with an unknown commune code are not located: no weight.
    unlocated = frame[frame["commune"].isna()]
    assert sorted(unlocated["rpps"]) == ["810000000009", "810000000010"]
    assert unlocated["poids"].isna().all()
    # The kiné has three sites (two in 01001, one in 01002): 1/3 each.
    kine = frame[frame["rpps"] == "810000000008"]
    assert kine["commune"].tolist() == ["01001", "01002", "01001"]
    assert kine["poids"].round(9).tolist() == [round(1 / 3, 9)] * 3
    # The GP works in 01001 (libéral) and 01002 (salarié): half each.
    gp = frame[frame["rpps"] == "810000000001"]
    assert list(zip(gp["commune"], gp["mode"], gp["poids"], strict=True)) == [
        ("01001", "libéral", 0.5), ("01002", "salarié", 0.5)
    ]


def test_groups_recours_and_cadre() -> None:
    frame = stage(ACTIVITE).activites
    shown = frame[frame["ligne"].isin([2, 4, 5, 6, 7, 8, 9, 15])]
    got = {
        r: f"{g}/{'-' if pd.isna(rec) else rec}/{c}"
        for r, g, rec, c in zip(shown["rpps"], shown["groupe"], shown["recours"], shown["cadre"], strict=True)
    }
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
    pediatre = frame[frame["rpps"] == "810000000002"]
    assert pediatre[["acces_direct", "recours_profession"]].values.tolist() == [["pédiatrie", "premier"]]


def test_commune_mapped_through_cog_history() -> None:
    frame = stage(ACTIVITE).activites
    nurse = frame[frame["rpps"] == "810000000004"]
    # The nurse's site is coded 01099 (an old commune) and lands in 01002.
    assert nurse[["commune_source", "commune", "unite", "localisation"]].values.tolist() == [
        ["01099", "01002", "01002", "code commune"]
    ]


def test_anomalies_reported_not_dropped() -> None:
    staged = stage(ACTIVITE)
    got = staged.anomalies[["type", "code", "nb_lignes", "premiere_ligne"]].values.tolist()
    assert got == [
        ["commune_inconnue", "99999", 1, 14],
        ["medecin_sans_specialite", "", 1, 15],
        ["profession_inconnue", "77", 1, 9],
        ["sans_adresse", "", 1, 13],
    ]
    assert set(staged.anomalies["fichier"]) == {str(ACTIVITE)}
    assert "Codes profession inconnus : 77" in staged.summary_fr()
    assert "2 activités non localisées" in staged.summary_fr()


def test_savoir_faire_in_separate_file() -> None:
    staged = stage(SANS_SF, SAVOIR_FAIRE)
    assert staged.savoir_faire_source == "fichier PS_LibreAcces_SavoirFaire"
    frame = staged.activites.sort_values("rpps")
    got = [[r, g, None if pd.isna(s) else s, None if pd.isna(p) else p] for r, g, s, p in
           zip(frame["rpps"], frame["groupe"], frame["specialite_code"], frame["recours_profession"], strict=True)]
    assert got == [
        # SM54 (type S) preferred to the CAPA compétence.
        ["810000000001", "Médecins généralistes", "SM54", "premier"],
        ["810000000002", "Médecins spécialistes", "SM40", "premier"],
        # Two ordinal specialties: the smallest code wins (SM04 < SM53).
        ["810000000003", "Médecins spécialistes", "SM04", "second"],
        ["810000000004", "Infirmiers", None, "premier"],
    ]
    # ... and the choice is reported (a review: a paediatrician counted a GP, SM26 < SM40, without a word): one
    # practitioner, first seen on line 5 of the savoir-faire file (lines 5 and 6 are his).
    several = staged.anomalies[staged.anomalies["type"] == "specialites_ordinales_multiples"]
    assert several[["nb_lignes", "premiere_ligne", "fichier"]].values.tolist() == [[1, 5, str(SAVOIR_FAIRE)]]
    assert several["message"].iloc[0].startswith("1 professionnel avec plusieurs spécialités ordinales (type S)")


def test_a_specialty_line_given_twice_is_one_specialty(tmp_path: Path) -> None:
    # Practitioner 2's « S | SM40 » line twice: one ordinal specialty, no « plusieurs spécialités » for him
    # (a review); practitioner 3 (SM53 and SM04) is still the one reported.
    lines = SAVOIR_FAIRE.read_text(encoding="utf-8").splitlines(keepends=True)
    doubled = tmp_path / SAVOIR_FAIRE.name
    doubled.write_text("".join([*lines, next(line for line in lines if "|SM40|" in line)]), encoding="utf-8")
    staged = stage(SANS_SF, doubled)
    several = staged.anomalies[staged.anomalies["type"] == "specialites_ordinales_multiples"]
    assert several[["nb_lignes", "premiere_ligne"]].values.tolist() == [[1, 5]]
    assert staged.activites.set_index("rpps").loc["810000000002", "specialite_code"] == "SM40"


def test_missing_savoir_faire_columns_without_file(tmp_path: Path) -> None:
    alone = tmp_path / SANS_SF.name
    alone.write_bytes(SANS_SF.read_bytes())
    with pytest.raises(DataError) as err:
        stage(alone)
    assert err.value.line == 1
    assert "« Code savoir-faire »" in err.value.message


def test_savoir_faire_file_of_the_same_extraction_beside_the_activity_file_is_read() -> None:
    # The two files of the official zip, unpacked into one folder (same stamp 202502010900).
    staged = stage(SANS_SF)
    assert staged.savoir_faire_source == "fichier PS_LibreAcces_SavoirFaire"
    assert by_rpps(staged, "specialite_code") == {"810000000001": "SM54", "810000000002": "SM40",
                                                  "810000000003": "SM04", "810000000004": None}


def _blank_inline_savoir_faire(folder: Path) -> Path:
    """SANS_SF with the three savoir-faire columns added to its header and left empty on every line."""
    lines = SANS_SF.read_text(encoding="utf-8").splitlines()
    added = ["Code type savoir-faire", "Code savoir-faire", "Libellé savoir-faire"]
    out = [lines[0] + "|".join(added) + "|"] + [line + "|||" for line in lines[1:]]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SANS_SF.name
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def test_blank_savoir_faire_columns_take_the_separate_file_of_the_zip(tmp_path: Path) -> None:
    """A review: a zip whose activity file has its savoir-faire columns, all empty, beside its SavoirFaire member
    made every médecin « autre » (« Médecins généralistes 0 » in the report): the member is read instead."""
    blank = _blank_inline_savoir_faire(tmp_path / "activite")
    archive = tmp_path / "PS_LibreAcces_202502010900.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(blank, blank.name)
        zf.write(SAVOIR_FAIRE, SAVOIR_FAIRE.name)
    staged = stage(archive)
    assert staged.savoir_faire_source == "fichier PS_LibreAcces_SavoirFaire"
    assert by_rpps(staged, "groupe")["810000000001"] == "Médecins généralistes"
    assert by_rpps(staged, "specialite_code")["810000000003"] == "SM04"


def test_blank_savoir_faire_columns_without_the_separate_file_are_refused(tmp_path: Path) -> None:
    blank = _blank_inline_savoir_faire(tmp_path)
    with pytest.raises(DataError) as err:
        stage(blank)
    assert err.value.message.startswith("Colonnes savoir-faire vides pour les 3 lignes de médecins")
    assert "--savoir-faire" in err.value.message and err.value.path == str(blank)


def test_official_zip_with_both_members(tmp_path: Path) -> None:
    archive = tmp_path / "PS_LibreAcces_202502010900.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(SANS_SF, SANS_SF.name)
        zf.write(SAVOIR_FAIRE, SAVOIR_FAIRE.name)
    staged = stage(archive)
    assert staged.rows == 4 and staged.extraction == date(2025, 2, 1)
    assert staged.savoir_faire_source == "fichier PS_LibreAcces_SavoirFaire"
    assert staged.fichier == f"{archive}!{SANS_SF.name}"
    assert by_rpps(staged, "specialite_code")["810000000002"] == "SM40"


def test_extraction_date_from_name_or_given(tmp_path: Path) -> None:
    assert annuaire.extraction_date_from_name("PS_LibreAcces_Personne_activite_202112020908.txt") == date(2021, 12, 2)
    assert annuaire.extraction_date_from_name("PS_LibreAcces_Personne_activite_202113020908.txt") is None
    assert annuaire.extraction_date_from_name("activites.txt") is None
    assert stage(ACTIVITE, extraction=date(2020, 5, 4)).extraction == date(2020, 5, 4)
    # No date in the name: the file's modification date, said in the anomalies.
    renamed = tmp_path / "activites.txt"
    renamed.write_bytes(ACTIVITE.read_bytes())
    staged = stage(renamed)
    row = staged.anomalies[staged.anomalies["type"] == "date_extraction_deduite"]
    assert len(row) == 1 and "date de dernière modification" in row["message"].iloc[0]
    # And said where the load is read (a review: a renamed copy, dated by the copy, became the current extraction
    # with « Annuaire Santé du 05/12/2026 » for all message).
    os.utime(renamed, (datetime(2024, 5, 17, 12).timestamp(), datetime(2024, 5, 17, 12).timestamp()))
    staged = stage(renamed)
    assert staged.extraction == date(2024, 5, 17)
    assert ("ATTENTION : le nom du fichier ne donne pas la date de l'extraction : le 17/05/2024 est celle de sa "
            "dernière modification") in staged.summary_fr()
    assert "ATTENTION" not in stage(ACTIVITE).summary_fr()


def test_demo_flag_from_name(tmp_path: Path) -> None:
    assert not stage(ACTIVITE).demo
    demo = tmp_path / "PS_LibreAcces_Personne_activite_202501150800_DEMO.txt"
    demo.write_bytes(ACTIVITE.read_bytes())
    staged = stage(demo)
    assert staged.demo and "données fictives de démonstration" in staged.summary_fr()


def test_a_line_per_savoir_faire_is_one_activity(tmp_path: Path) -> None:
    """The activity file gives a practitioner holding several savoir-faire one line per savoir-faire for each
    activity (a review: a doctor's « S | SM54 » and « CAPA | CAPA08 » lines at one site made him a GP and one of
    the « Autres », each line half his site). Doctor 1: SM54 and a CAPA at 01001, the same two at 01002: a GP,
    two activities of weight 1/2. Doctor 2: only a CAPA (no ordinal specialty): kept as he is."""
    from tests.sources.annuaire_files import activity, activity_file

    rows = [activity("810000000001", "10", "01001", "SA07", sf="SM54"),
            {**activity("810000000001", "10", "01001", "SA07"), "Code type savoir-faire": "CAPA",
             "Code savoir-faire": "CAPA08"},
            activity("810000000001", "10", "01002", "SA07", sf="SM54"),
            {**activity("810000000001", "10", "01002", "SA07"), "Code type savoir-faire": "CAPA",
             "Code savoir-faire": "CAPA08"},
            {**activity("810000000002", "10", "01001", "SA07"), "Code type savoir-faire": "CAPA",
             "Code savoir-faire": "CAPA08"}]
    staged = stage(activity_file(tmp_path, rows))
    doctor = staged.activites[staged.activites["rpps"] == "810000000001"]
    assert doctor["commune"].tolist() == ["01001", "01002"] and doctor["poids"].tolist() == [0.5, 0.5]
    assert set(doctor["groupe"]) == {"Médecins généralistes"} and set(doctor["specialite_code"]) == {"SM54"}
    other = staged.activites[staged.activites["rpps"] == "810000000002"]
    assert other["poids"].tolist() == [1.0] and other["groupe"].tolist() == ["Autres"]
