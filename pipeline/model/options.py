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
from pipeline.geography import INSEE_CODE

#: Largest change of one what-if item (professionals); beyond, the scenario is a typo.
MAX_WHAT_IF_DELTA = 1000.0


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class DataOptions:
    """Options of ``make data``."""

    mirror: Path | None = None
    force: bool = False
    listings: tuple[Path, ...] = ()
    registry: Path | None = None
    savoir_faire: Path | None = None
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


@dataclass(frozen=True)
class CoverageOptions:
    """Options of ``make coverage``: the zone and the smallest population of a proposed perimeter."""

    kind: Literal["region", "departement", "france"]
    code: str | None = None
    threshold: int = 20_000


# --------------------------------------------------------------------------- parsing of option values


def parse_signature(text: str) -> date:
    """``SIGNATURE=AAAA-MM-JJ`` as a date (French error otherwise)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise PipelineError(f"Date de signature invalide « {text} » : attendu AAAA-MM-JJ") from exc


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
        try:
            delta = float(d.replace(",", ".").replace(" ", "").replace("\u202f", ""))
        except ValueError:
            raise WhatIfSyntaxError(f"Scénario : élément {k}, nombre invalide « {d} » ; {expected}.") from None
        if not math.isfinite(delta) or delta == 0:
            raise WhatIfSyntaxError(f"Scénario : élément {k}, la variation doit être un nombre non nul (« {d} »).")
        if abs(delta) > MAX_WHAT_IF_DELTA:
            raise WhatIfSyntaxError(
                f"Scénario : élément {k}, variation de {d} professionnels invraisemblable (au plus "
                f"{MAX_WHAT_IF_DELTA:.0f} en valeur absolue)."
            )
        if not INSEE_CODE.match(c):
            raise WhatIfSyntaxError(
                f"Scénario : élément {k}, code commune INSEE invalide « {c} » (5 caractères, ex. 04070 ou 2A004)."
            )
        out.append(WhatIfChange(g, delta, c))
    if not out:
        raise WhatIfSyntaxError("Scénario vide : " + expected + ".")
    return tuple(out)
