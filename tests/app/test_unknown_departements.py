"""``make data DEPARTEMENTS=…`` with a code the COG does not know: named, and the database left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.robust_support import Workspace, cli, error_line, snapshot


@pytest.mark.parametrize("departements", ["99", "04,99,2C"])
def test_unknown_departement_is_named(ws: Workspace, mirror: Path, capsys: pytest.CaptureFixture[str],
                                      departements: str) -> None:
    before = snapshot(ws)
    code, _, err = cli(capsys, "data", "--miroir", str(mirror), "--sans-demo", "--departements", departements)
    unknown = ", ".join(sorted({"99", "2C"} & set(departements.split(","))))
    assert (code, err) == (2, error_line(f"Département(s) inconnu(s) dans --departements : {unknown} (codes du COG "
                                         "2026 : 01 à 95, 2A, 2B, 971 à 976)"))
    after = snapshot(ws)
    assert (after["counts"], after["files"]) == (before["counts"], before["files"])


@pytest.mark.parametrize(("typed", "shown"), [("all", "all"), ("04,Tout", "Tout"), (" 2c , 04", "2c")])
def test_an_unknown_departement_is_named_as_typed(ws: Workspace, mirror: Path, capsys: pytest.CaptureFixture[str],
                                                  typed: str, shown: str) -> None:
    """A review read « ... : ALL » for « DEPARTEMENTS=all »: the codes are compared upper-cased (« 2a » is the
    2A) but named back as typed."""
    before = snapshot(ws)
    code, _, err = cli(capsys, "data", "--miroir", str(mirror), "--sans-demo", "--departements", typed)
    assert (code, err) == (2, error_line(f"Département(s) inconnu(s) dans --departements : {shown} (codes du COG "
                                         "2026 : 01 à 95, 2A, 2B, 971 à 976)"))
    assert snapshot(ws)["counts"] == before["counts"]
