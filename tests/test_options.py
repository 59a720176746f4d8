"""Option values parsed once, into typed records: signature date, what-if scenario (AJOUT=)."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.errors import PipelineError
from pipeline.model import WhatIfChange, WhatIfSyntaxError, parse_departements, parse_signature, parse_what_if

GP = "médecins généralistes"


def test_parse_what_if_valid() -> None:
    got = parse_what_if("médecins généralistes:2@04070; infirmiers : -1,5 @ 2A004;")
    assert got == (WhatIfChange(GP, 2.0, "04070"), WhatIfChange("infirmiers", -1.5, "2A004"))


@pytest.mark.parametrize(
    ("spec", "pattern"),
    [
        ("", "Scénario vide"),
        ("médecins généralistes:2", "élément 1 « médecins généralistes:2 » mal formé"),
        ("médecins généralistes:2@04070;;infirmiers:1@04001", "élément 2 vide"),
        ("infirmiers:abc@04001", "nombre invalide « abc »"),
        ("infirmiers:0@04001", "nombre non nul"),
        ("infirmiers:1@401", "code commune INSEE invalide « 401 »"),  # « 4001 » is 04001 (zero restored)
        ("infirmiers:nan@04001", "nombre invalide « nan »"),
        ("infirmiers:inf@04001", "nombre invalide « inf »"),
        ("infirmiers:5000@04001", "variation de 5000 professionnels invraisemblable"),
        ("infirmiers:0,00@04001", "nombre non nul"),
        # What float() reads but no one types for professionals (a review: « 1e-9 » shown « +0 » in the report).
        ("infirmiers:-1e9@04001", "nombre invalide « -1e9 » \\(un nombre de professionnels, au centième près"),
        ("infirmiers:1e-9@04001", "nombre invalide"),
        ("infirmiers:1_000@04001", "nombre invalide"),
        ("infirmiers:0.001@04001", "nombre invalide"),
        ("infirmiers:1.000@04001", "nombre invalide"),  # a thousand, or one to the thousandth?
        ("infirmiers:2.@04001", "nombre invalide"),
    ],
)
def test_parse_what_if_errors(spec: str, pattern: str) -> None:
    with pytest.raises(WhatIfSyntaxError, match=pattern):
        parse_what_if(spec)



def test_numbers_are_read_as_written_to_the_hundredth() -> None:
    got = parse_what_if("infirmiers:1 000@04001;infirmiers:0,25@04001;infirmiers:\u22122@04001;infirmiers:+3.5@04001")
    assert [c.delta for c in got] == [1000.0, 0.25, -2.0, 3.5]


def test_elements_cancelling_out_or_adding_up_beyond_the_bound_are_refused() -> None:
    from pipeline.model.options import check_what_if_totals

    with pytest.raises(WhatIfSyntaxError, match="infirmiers de 04001 s'annulent"):
        check_what_if_totals([WhatIfChange("Infirmiers", 2, "04001"), WhatIfChange("Infirmiers", -2, "04001")])
    with pytest.raises(WhatIfSyntaxError, match="totalisent \\+1\u202f500 professionnels, invraisemblable \\(au plus "
                                                "1\u202f000 en valeur absolue\\)"):
        check_what_if_totals([WhatIfChange("Infirmiers", 1000, "04001"), WhatIfChange("Infirmiers", 500, "04001")])
    # A move from one commune to another, and another group at the same place: a scenario.
    check_what_if_totals([WhatIfChange("Infirmiers", 2, "04001"), WhatIfChange("Infirmiers", -2, "04070"),
                          WhatIfChange("Médecins généralistes", -2, "04001")])


def test_signature_date() -> None:
    assert parse_signature("2025-08-31") == date(2025, 8, 31)
    # As French users write it, and as a listing's date is read (a review: refused here, read there).
    assert parse_signature("31/08/2025") == date(2025, 8, 31)
    assert parse_signature("1/9/2025") == date(2025, 9, 1)
    with pytest.raises(PipelineError, match="Date de signature invalide « 31/02/2025 » : ce jour n'existe pas"):
        parse_signature("31/02/2025")


@pytest.mark.parametrize("text", [",", ",,", "", " , "])
def test_departements_without_any_code_are_refused_not_read_as_all_of_france(text: str) -> None:
    with pytest.raises(PipelineError, match="Aucun code de département dans --departements"):
        parse_departements(text)


def test_departements_keep_their_codes_for_the_load_to_check() -> None:
    assert parse_departements("04,,13") == ("04", "13")


def test_a_commune_code_that_lost_its_leading_zero_is_read_as_everywhere_else() -> None:
    """A review: « @4094 » was refused where ``communes:``, ``FLUX=`` and the listings read 04094."""
    assert parse_what_if("médecins généralistes:1@4094") == (WhatIfChange("médecins généralistes", 1.0, "04094"),)
    with pytest.raises(WhatIfSyntaxError, match="code commune INSEE invalide « 0423 »"):
        parse_what_if("médecins généralistes:1@0423")  # four characters, no zero lost: no département's


@pytest.mark.parametrize("option", ["--adherents", "--flux"])
def test_an_empty_path_is_refused_not_ignored(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A review: « --adherents "$VAR" » with VAR unset wrote a report without the members table, exit 0."""
    from pipeline import cli

    with pytest.raises(SystemExit) as info:
        cli.main(["diagnostic", "communes:04070", option, " "])
    assert info.value.code == 2
    assert f"option {option} : chemin vide" in capsys.readouterr().err
