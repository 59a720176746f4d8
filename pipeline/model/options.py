"""Options of each command, as typed records.

The command-line interface turns its arguments into these option records
(parsing dates and scenarios here, once); the use cases in :mod:`pipeline.app`
take them and nothing else, so a notebook or a script builds the same records.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, NamedTuple

from pipeline.errors import PipelineError
from pipeline.geography import INSEE_CODE, normalise_insee_code

#: Largest change of one what-if item (professionals); beyond, the scenario is a typo.
MAX_WHAT_IF_DELTA = 1000.0
#: The accord conventionnel interprofessionnel that created the CPTS contract was signed on 20 June 2019 and
#: the arrêté of 21 August 2019 approved it (seed 000: « Arrêté du 21 août 2019 portant approbation de
#: l'accord conventionnel interprofessionnel […] signé le 20 juin 2019 »): no CPTS contract could be signed under
#: it before (a review: 20 June to 20 August 2019 were accepted).
ACI_APPROVED = date(2019, 8, 21)
#: Latest signature accepted, in years after today. A CPTS plans its signature months ahead (the projet de
#: santé is written first), and the mission calendar runs 24 months after it; five years covers any real plan
#: and refuses typos such as 2205 or 9999, whose calendar would be meaningless.
MAX_SIGNATURE_YEARS_AHEAD = 5


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class DataOptions:
    """Options of ``make data``."""

    mirror: Path | None = None
    force: bool = False
    listings: tuple[Path, ...] = ()
    registry: Path | None = None
    savoir_faire: Path | None = None
    #: Keep only the extraction of ``registry``: the other dated Annuaire Santé extractions are removed.
    registry_only: bool = False
    finess: Path | None = None
    demo: Literal["auto", "never", "always"] = "auto"
    #: Restrict the load to these départements (a regional database, the test fixture); ``()`` loads all of
    #: France; None keeps what the existing database was loaded for (France for a new one).
    departements: tuple[str, ...] | None = None


class WhatIfSyntaxError(PipelineError):
    """A what-if scenario string cannot be parsed (French message)."""


class WhatIfChange(NamedTuple):
    """One change of a scenario: ``delta`` professionals of ``groupe`` in ``commune``."""

    groupe: str
    delta: float
    commune: str


@dataclass(frozen=True)
class DiagnosticOptions:
    """Options of ``make diagnostic``."""

    territory: str
    signature: date | None = None
    members: Path | None = None
    what_if: tuple[WhatIfChange, ...] = ()
    flows: Path | None = None
    name: str | None = None
    pdf: bool = False

    def __post_init__(self) -> None:
        if self.signature is not None:
            check_signature(self.signature)


@dataclass(frozen=True)
class CoverageOptions:
    """Options of ``make coverage``: the zone and the smallest population of a proposed perimeter."""

    kind: Literal["region", "departement", "france"]
    code: str | None = None
    threshold: int = 20_000


# --------------------------------------------------------------------------- parsing of option values


def _years_after(day: date, years: int) -> date:
    """``day`` plus ``years`` years (29 February becomes 28 February)."""
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def check_signature(day: date, today: date | None = None) -> date:
    """``day`` if it is a plausible signature of the ACI contract, else a French error.

    Accepted: from :data:`ACI_APPROVED` to :data:`MAX_SIGNATURE_YEARS_AHEAD`
    years after ``today`` (the system date by default), both included.
    """
    today = today or date.today()
    latest = _years_after(today, MAX_SIGNATURE_YEARS_AHEAD)
    shown = day.isoformat()
    if day < ACI_APPROVED:
        raise PipelineError(f"Date de signature « {shown} » antérieure à l'arrêté du 21 août 2019 approuvant l'accord "
                            "conventionnel interprofessionnel des CPTS (signé le 20 juin 2019) : aucun contrat ACI "
                            "n'a pu être signé avant")
    if day > latest:
        raise PipelineError(f"Date de signature « {shown} » trop lointaine : au plus {MAX_SIGNATURE_YEARS_AHEAD} ans "
                            f"après aujourd'hui (le {latest.isoformat()} au plus tard)")
    return day


def parse_departements(text: str) -> tuple[str, ...]:
    """``DEPARTEMENTS=04,13`` as its codes (checked against the COG by the load); a value without any code
    is refused, never read as « all of France » (which is ``FRANCE=1`` / ``--toute-la-france``)."""
    codes = tuple(code for code in text.split(",") if code.strip())
    if not codes:
        raise PipelineError(f"Aucun code de département dans --departements (« {text} ») : donnez par exemple "
                            "04,13, ou FRANCE=1 (--toute-la-france) pour toute la France")
    return codes


def parse_signature(text: str, today: date | None = None) -> date:
    """``SIGNATURE=AAAA-MM-JJ`` (or ``JJ/MM/AAAA``, as French users write a date and a listing accepts it) as a
    date (French error otherwise).

    Only the calendar dates the README and ``--help`` document: four-digit
    year, two-digit month and day (``date.fromisoformat`` alone would also
    read ISO week dates such as ``2023-W05`` and compact ``20230130``), then
    :func:`check_signature` (``today``: the system date by default).
    """
    value = text.strip()
    if not value:
        raise PipelineError("Date de signature vide : attendu AAAA-MM-JJ (ou retirez l'option)")
    if (french := re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", value)) is not None:
        value = f"{french.group(3)}-{int(french.group(2)):02d}-{int(french.group(1)):02d}"
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) is None:
        raise PipelineError(f"Date de signature invalide « {text} » : attendu AAAA-MM-JJ ou JJ/MM/AAAA")
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:  # well written, but no such day (2025-02-30, 2025-13-01)
        raise PipelineError(f"Date de signature invalide « {text} » : ce jour n'existe pas dans le calendrier") \
            from exc
    return check_signature(day, today)


def parse_what_if(spec: str) -> tuple[WhatIfChange, ...]:
    """Parse ``"médecins généralistes:2@04070;infirmiers:-1@04001"``.

    Each item is ``groupe:delta@commune``; items are separated by ``;``.
    ``delta`` is a non-zero number of professionals (decimal point or comma,
    sign allowed, at most :data:`MAX_WHAT_IF_DELTA` in absolute value);
    ``commune`` an INSEE code. The group is checked against the loaded supply
    by :func:`pipeline.analysis.access.check_what_if_groups`.

    Raises
    ------
    WhatIfSyntaxError
        French message naming the faulty item and the expected form.
    """
    expected = "forme attendue « groupe:nombre@commune », par ex. « médecins généralistes:2@04070 »"
    if spec is None or not spec.strip():
        raise WhatIfSyntaxError("Scénario vide : " + expected + ".")
    out: list[WhatIfChange] = []
    items = spec.split(";")
    for k, item in enumerate(items, start=1):
        txt = item.strip()
        if not txt:
            if k == len(items):
                continue  # tolerate a trailing ';'
            raise WhatIfSyntaxError(f"Scénario : élément {k} vide ; {expected}.")
        m = re.fullmatch(r"(?P<g>[^:@]+):(?P<d>[^:@]+)@(?P<c>[^:@]+)", txt)
        if m is None:
            raise WhatIfSyntaxError(f"Scénario : élément {k} « {txt} » mal formé ; {expected}.")
        g, d, c = m.group("g").strip(), m.group("d").strip(), m.group("c").strip()
        if not g:
            raise WhatIfSyntaxError(f"Scénario : élément {k} « {txt} » sans groupe ; {expected}.")
        written = re.sub(r"[ \u00a0\u202f]", "", d)  # « 1 000 », as typed or printed
        # Professionals to the hundredth at most (0,5 for a half-time): « 1e-9 », « 1_000 » or « inf », which
        # float() reads, were accepted and shown « +0 » in the report and « +1e-09 » in its table (a review).
        if re.fullmatch(r"[-+\u2212]?[0-9]+(?:[.,][0-9]{1,2})?", written) is None:
            raise WhatIfSyntaxError(f"Scénario : élément {k}, nombre invalide « {d} » (un nombre de professionnels, "
                                    f"au centième près, ex. 2, -1 ou 0,5) ; {expected}.")
        delta = float(written.replace(",", ".").replace("\u2212", "-"))
        if not math.isfinite(delta) or delta == 0:
            raise WhatIfSyntaxError(f"Scénario : élément {k}, la variation doit être un nombre non nul (« {d} »).")
        if abs(delta) > MAX_WHAT_IF_DELTA:
            raise WhatIfSyntaxError(
                f"Scénario : élément {k}, variation de {d} professionnels invraisemblable (au plus "
                f"{MAX_WHAT_IF_DELTA:.0f} en valeur absolue)."
            )
        c = normalise_insee_code(c)[0] or c  # « 4070 »: the leading zero a spreadsheet drops, as everywhere else
        if not INSEE_CODE.match(c):
            raise WhatIfSyntaxError(
                f"Scénario : élément {k}, code commune INSEE invalide « {c} » (5 caractères, ex. 04070 ou 2A004)."
            )
        out.append(WhatIfChange(g, delta, c))
    if not out:
        raise WhatIfSyntaxError("Scénario vide : " + expected + ".")
    return tuple(out)


def check_what_if_totals(changes: list[WhatIfChange]) -> None:
    """Refuse, in French, elements on one group and commune whose changes cancel out (the scenario changes
    nothing there) or add up beyond :data:`MAX_WHAT_IF_DELTA` (« MG:1000@X;MG:1000@X » passed the per-element
    bound); ``changes`` as read (groups and communes in their final form)."""
    totals: dict[tuple[str, str], float] = {}
    for change in changes:
        key = (change.groupe, change.commune)
        totals[key] = totals.get(key, 0.0) + change.delta
    for (groupe, commune), total in totals.items():
        if abs(total) < 0.005:
            raise WhatIfSyntaxError(f"Scénario : les variations des {groupe.lower()} de {commune} s'annulent : le "
                                    "scénario n'y change rien ; retirez ces éléments ou corrigez-les.")
        if abs(total) > MAX_WHAT_IF_DELTA:
            grouped, bound = (f"{value:,.0f}".replace(",", "\u202f") for value in (total, MAX_WHAT_IF_DELTA))
            raise WhatIfSyntaxError(f"Scénario : les variations des {groupe.lower()} de {commune} totalisent "
                                    f"{'+' if total > 0 else ''}{grouped} professionnels, invraisemblable (au plus "
                                    f"{bound} en valeur absolue).")
