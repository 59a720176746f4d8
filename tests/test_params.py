"""The parameters file (``pipeline/data/parametres.toml``): read whole, every problem named at once.

A review edited the pertinence thresholds as a user would: « candidate_share = 1.5 » ended in a traceback
(exit 1, « anomalie du programme »), in a batch every CPTS failed, « 0 » made 331 communes « candidates » at 0 %,
« "0.5" » and « true » were taken as numbers, and a misspelt section was silently ignored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import DataError
from pipeline.params import PARAMS_PATH, load_params


def edited(tmp_path: Path, *changes: tuple[str, str], extra: str = "") -> Path:
    text = PARAMS_PATH.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "parametres.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_the_packaged_file_reads_as_its_text_says() -> None:
    params = load_params()
    assert (params.pertinence.candidate_share, params.pertinence.inside_share) == (0.5, 0.5)
    assert (params.flows.cutoff_km, params.flows.beta_per_km, params.diagnostic.near_km) == (60.0, 0.3, 10.0)
    assert params.access.speed_kmh == 50.0


def test_every_problem_is_named_at_once_with_the_file(tmp_path: Path) -> None:
    path = edited(tmp_path, ("candidate_share = 0.5", "candidate_share = 1.5"),
                  ("inside_share = 0.5", 'inside_share = "0.5"'), ("near_km = 10.0", "near_km = true"),
                  ("cutoff_km = 60.0", "cutoff_km = -1"), ('function = "exponential"', 'function = "gauss"'),
                  extra="\n[pertinance]\ncandidate_share = 0.6\n")
    with pytest.raises(DataError) as info:
        load_params(path)
    assert info.value.path == str(path)
    assert info.value.message.splitlines() == [
        "Fichier de paramètres invalide :",
        "  - section [pertinance] inconnue (attendu : distance, decay, rates, access, diagnostic, pertinence) : mal "
        "orthographiée, ses valeurs seraient ignorées",
        "  - [decay] function : « exponential » ou « power » attendu, pas 'gauss'",
        "  - [distance] cutoff_km : -1 hors des valeurs admises (plus de 0)",
        "  - [diagnostic] near_km : nombre attendu, pas true",
        "  - [pertinence] candidate_share : 1.5 hors des valeurs admises (plus de 0 et au plus 1)",
        "  - [pertinence] inside_share : nombre attendu, pas le texte « 0.5 » (sans guillemets pour un nombre)",
    ]


@pytest.mark.parametrize("value", ["0", "0.0", "-0.1", "1.0001", "nan", "inf"])
def test_a_pertinence_share_outside_zero_to_one_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(DataError, match=r"\[pertinence\] candidate_share : .* hors des valeurs admises"):
        load_params(edited(tmp_path, ("candidate_share = 0.5", f"candidate_share = {value}")))


def test_a_share_of_one_and_an_integer_are_read(tmp_path: Path) -> None:
    params = load_params(edited(tmp_path, ("candidate_share = 0.5", "candidate_share = 1"),
                                ("speed_kmh = 50.0", "speed_kmh = 40")))
    assert params.pertinence.candidate_share == 1.0 and params.access.speed_kmh == 40.0


def test_a_bad_threshold_stops_a_diagnostic_in_french_with_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The diagnostic reads the parameters before any output is written: exit 2, the file and key named."""
    from pipeline import cli, params

    path = edited(tmp_path, ("candidate_share = 0.5", "candidate_share = 1.5"))
    monkeypatch.setattr(params, "PARAMS_PATH", path)
    params.default_params.cache_clear()
    try:
        monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path / "donnees"))
        code = cli.main(["diagnostic", "communes:04070"])
    finally:
        params.default_params.cache_clear()
    err = capsys.readouterr().err
    assert code == 2
    assert "[pertinence] candidate_share : 1.5 hors des valeurs admises" in err and str(path) in err
    assert "Traceback" not in err
