"""SIGNATURE= / --signature: a calendar date AAAA-MM-JJ between the ACI of 20 June 2019 and five years
after today; the ACI calendar never overflows.

« today » is fixed in the parsing tests (3 December 2026), so the bounds are computed by hand:
the latest accepted signature is 3 December 2026 + 5 years = 3 December 2031.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path

import pytest

from pipeline.analysis.aci import add_months, mission_calendar
from pipeline.errors import PipelineError
from pipeline.model import DiagnosticOptions, parse_signature
from pipeline.model.options import ACI_APPROVED, check_signature

TODAY = date(2026, 12, 3)
BEFORE_ACI = ("antérieure à l'arrêté du 21 août 2019 approuvant l'accord conventionnel interprofessionnel des CPTS "
              "(signé le 20 juin 2019) : aucun contrat ACI n'a pu être signé avant")


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-08-31", date(2025, 8, 31)),
    (" 2025-08-31 ", date(2025, 8, 31)),
    # Seed 000: « Arrêté du 21 août 2019 portant approbation de l'accord conventionnel interprofessionnel […] signé
    # le 20 juin 2019 »: the day of the approval is the first possible signature.
    ("2019-08-21", date(2019, 8, 21)),
    ("2031-12-03", date(2031, 12, 3)),  # today + 5 years, included
    ("2028-02-29", date(2028, 2, 29)),
])
def test_calendar_dates_in_range_are_read(text: str, expected: date) -> None:
    assert parse_signature(text, today=TODAY) == expected


@pytest.mark.parametrize("text", [
    "2023-W05",      # ISO week date: date.fromisoformat reads it as 2023-01-30
    "2023-W05-1",
    "2023-030",      # ISO ordinal date
    "20230130",      # ISO basic format
    "2025-8-31",
    "31.08.2025",    # not documented: README and --help give AAAA-MM-JJ and JJ/MM/AAAA
    "31/08/25",      # a two-digit year: which century is not guessed
    "2025-08-31T00:00",
    "\uff12\uff10\uff12\uff15-\uff10\uff18-\uff13\uff11",  # full-width digits
    "demain",
])
def test_other_forms_are_refused_naming_the_value(text: str) -> None:
    with pytest.raises(PipelineError) as info:
        parse_signature(text, today=TODAY)
    assert info.value.message == f"Date de signature invalide « {text} » : attendu AAAA-MM-JJ ou JJ/MM/AAAA"
    assert info.value.exit_code == 2


@pytest.mark.parametrize("text", ["2025-02-29", "2024-02-30", "2024-13-01", "2024-00-10", "2024-04-31"])
def test_a_well_written_date_that_does_not_exist_is_said_so(text: str) -> None:
    """2025 is not a leap year, February has no 30th, there is no 13th or 0th month, April has 30 days: the
    format is the documented one, the day is what is wrong."""
    with pytest.raises(PipelineError) as info:
        parse_signature(text, today=TODAY)
    assert info.value.message == f"Date de signature invalide « {text} » : ce jour n'existe pas dans le calendrier"


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_date_is_refused(text: str) -> None:
    with pytest.raises(PipelineError) as info:
        parse_signature(text, today=TODAY)
    assert info.value.message == "Date de signature vide : attendu AAAA-MM-JJ (ou retirez l'option)"


@pytest.mark.parametrize("text", ["2019-08-20", "2019-06-20", "2019-06-19", "1850-01-01", "0001-01-01"])
def test_dates_before_the_aci_are_refused(text: str) -> None:
    with pytest.raises(PipelineError) as info:
        parse_signature(text, today=TODAY)
    assert info.value.message == f"Date de signature « {text} » {BEFORE_ACI}"


@pytest.mark.parametrize("text", ["2031-12-04", "2205-01-01", "9999-12-31"])
def test_dates_too_far_ahead_are_refused(text: str) -> None:
    with pytest.raises(PipelineError) as info:
        parse_signature(text, today=TODAY)
    assert info.value.message == (f"Date de signature « {text} » trop lointaine : au plus 5 ans après aujourd'hui "
                                   "(le 2031-12-03 au plus tard)")


def test_the_upper_bound_from_29_february() -> None:
    # 29 February 2028 + 5 years: 2033 has no 29 February, so 28 February 2033 is the last day accepted.
    assert check_signature(date(2033, 2, 28), today=date(2028, 2, 29)) == date(2033, 2, 28)
    with pytest.raises(PipelineError, match="le 2033-02-28 au plus tard"):
        check_signature(date(2033, 3, 1), today=date(2028, 2, 29))


def test_options_built_in_code_are_checked_too() -> None:
    assert date(2019, 8, 21) == ACI_APPROVED
    with pytest.raises(PipelineError, match="antérieure à l'arrêté du 21 août 2019"):
        DiagnosticOptions(territory="communes:04070", signature=date(1850, 1, 1))
    with pytest.raises(PipelineError, match="trop lointaine"):
        DiagnosticOptions(territory="communes:04070", signature=date(9999, 12, 31))
    assert DiagnosticOptions(territory="communes:04070", signature=ACI_APPROVED).signature == ACI_APPROVED


# --------------------------------------------------------------------------- add_months


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2025, 8, 31), 6, date(2026, 2, 28)),     # end of month clamped
    (date(2024, 1, 31), 1, date(2024, 2, 29)),     # leap year
    (date(2025, 11, 15), 18, date(2027, 5, 15)),   # 11 + 18 = 29 → May two years on
    (date(9999, 6, 30), 6, date(9999, 12, 30)),    # the last year Python writes
    (date(2025, 3, 31), -1, date(2025, 2, 28)),
])
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("day", "months"), [(date(9999, 12, 31), 1), (date(9999, 7, 1), 24), (date(1, 1, 1), -1)])
def test_add_months_outside_the_calendar_is_a_french_error(day: date, months: int) -> None:
    with pytest.raises(PipelineError) as info:
        add_months(day, months)
    assert info.value.message == (f"Date hors du calendrier : {day.isoformat()} plus {months} mois sort des années "
                                  "1 à 9999")


def test_mission_calendar_of_the_last_day_does_not_overflow() -> None:
    with pytest.raises(PipelineError, match="Date hors du calendrier : 9999-12-31 plus 6 mois"):
        mission_calendar(date(9999, 12, 31))


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(("value", "message"), [
    ("", "Date de signature vide : attendu AAAA-MM-JJ (ou retirez l'option)"),
    ("2023-W05", "Date de signature invalide « 2023-W05 » : attendu AAAA-MM-JJ ou JJ/MM/AAAA"),
    ("9999-12-31", "Date de signature « 9999-12-31 » trop lointaine"),
    ("1850-01-01", f"Date de signature « 1850-01-01 » {BEFORE_ACI}"),
])
def test_command_line_refuses_with_exit_2(value: str, message: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import cli

    # Options are parsed before the database is opened: an empty data folder is enough.
    monkeypatch.setenv("CPTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CPTS_MAPS_DIR", str(tmp_path))
    monkeypatch.setenv("CPTS_QUIET", "1")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["diagnostic", "communes:04070", "--signature", value])
    assert code == 2
    assert err.getvalue().startswith("Erreur : " + message), err.getvalue()
    assert "Traceback" not in err.getvalue()
