"""What the Word « Trame d'un projet de santé » holds: typed content filled by the diagnostic.

:class:`TrameDocument` carries, already computed, everything the
« Diagnostic territorial » part of the Trame shows (communes, population and
its legal year, taille, population characteristics, care supply,
establishments, accessibility), the members table of « Organisation de la
CPTS » and the ACI mission calendar of the macro-planning. The writer
(:func:`pipeline.render.docx.write_trame_docx`) only lays it out: it
computes nothing. The other parts of the Trame are written empty, with the
Trame's guidance, for the CPTS team to fill.

Free content (population characteristics, care supply) is a sequence of
blocks: :class:`Paragraph`, :class:`SubHeading`, :class:`Figure` or a
:class:`~pipeline.render.table_spec.TableSpec` (its ``source`` is printed
under the table, its ``note`` too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.geography import normalise_name
from pipeline.render.docx import trame_text
from pipeline.render.table_spec import TableSpec

#: Pipeline profession groups whose name differs from the Trame's row (the others are spelt alike).
_GROUP_ALIASES = {
    "sages-femmes": "Sage-femmes",
    "msp": "Maisons de santé pluriprofessionnelles (MSP)",
    "maisons de sante pluriprofessionnelles": "Maisons de santé pluriprofessionnelles (MSP)",
    "centres de sante": "Centres de santé (CDS)",
    "cds": "Centres de santé (CDS)",
    "autres": "Autres (précisez)",
}


def trame_profession(group: str) -> str | None:
    """The row of the Trame's members table for a pipeline profession group, or ``None``.

    Comparison ignores case, accents and punctuation (« Chirurgiens-dentistes »
    is the Trame's « Chirurgiens-Dentistes »); « MSP », « Centres de santé »,
    « Sages-femmes » and « Autres » are mapped explicitly.
    """
    key = normalise_name(group)
    for alias, row in _GROUP_ALIASES.items():
        if normalise_name(alias) == key:
            return row
    for row in trame_text.PROFESSIONS:
        if normalise_name(row) == key:
            return row
    return None


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the diagnostic's own text (normal style)."""

    text: str


@dataclass(frozen=True)
class SubHeading:
    """A heading inside a filled section (Word « Heading 3 »)."""

    text: str


@dataclass(frozen=True)
class Figure:
    """A PNG image (static map, chart) with its caption and source.

    Parameters
    ----------
    image
        PNG or JPEG file, or its bytes (a chart rendered in memory).
    caption
        French caption, printed under the image as « Figure n : caption ».
    source
        French provenance, printed as « Source : … ».
    width_cm
        Printed width (the page holds 17 cm).
    """

    image: Path | bytes
    caption: str
    source: str
    width_cm: float = 16.0


Block = Paragraph | SubHeading | Figure | TableSpec


@dataclass(frozen=True)
class CommuneRow:
    """A line of the Trame's « COMMUNES / CODE POSTAL / Particularité » table.

    ``particularites`` is shown as given (« QPV … », « non renseigné »); an
    empty text is shown « non disponible ».
    """

    commune: str
    code_insee: str
    codes_postaux: str
    particularites: str = ""


@dataclass(frozen=True)
class MembersRow:
    """A line of the Trame's members table (« Les professionnels de santé adhérents de la CPTS »).

    Parameters
    ----------
    profession
        One of :data:`trame_text.PROFESSIONS` (see :func:`trame_profession`).
    adherents
        Professionals who joined the CPTS; ``None`` leaves the cell for the team.
    part_adherents_pct
        Their share of the territory's professionals, in percentage points
        (``None`` when unknown, e.g. no professional in the territory).
    gouvernance, elaboration
        Members of the governance, and professionals who took part in writing
        the projet de santé; ``None`` leaves the cell for the team.
    adherents_away
        Members the registry places outside the territory: counted in
        ``adherents``, not in their share (the cell then says both).
    part_gouvernance_pct, part_elaboration_pct, gouvernance_away, elaboration_away
        The same for the governance and the writing of the projet de santé
        (a review: the Word cells said « 1 » where the report said « 1 dont
        0 du territoire (0,0 %) »); ``None`` away: unknown.
    gouvernance_unknown, elaboration_unknown
        Members whose answer is not given: the count is then a lower bound,
        said in the cell (a review: « 3 (1,0 %) » where 2 of 5 had not answered).
    """

    profession: str
    adherents: int | None = None
    part_adherents_pct: float | None = None
    gouvernance: int | None = None
    elaboration: int | None = None
    adherents_away: int = 0
    part_gouvernance_pct: float | None = None
    part_elaboration_pct: float | None = None
    gouvernance_away: int | None = 0
    elaboration_away: int | None = 0
    #: Members of the row who left the governance or writing answer empty (said beside the count, as the report).
    gouvernance_unknown: int = 0
    elaboration_unknown: int = 0


@dataclass(frozen=True)
class CalendarRow:
    """A mission of the ACI calendar: deadlines after the signature, and dates when it is known."""

    mission: str
    categorie: str
    demarrage_mois: int | None
    deploiement_mois: int | None
    demarrage: dt.date | None = None
    deploiement: dt.date | None = None
    remarque: str = ""


@dataclass(frozen=True, eq=False)
class TrameDocument:
    """Content of the Word Trame, in the Trame's order.

    Parameters
    ----------
    cpts_name
        Name of the CPTS or of the territory (« Nom de la CPTS », page header).
    territory
        Territory specification as given by the user.
    generated
        Generation date of the diagnostic.
    communes, communes_source
        « Description du territoire du projet » table and its source.
    population, population_year, population_source
        Inhabitants (population municipale légale), its legal year
        (millésime) and source; ``population`` ``None`` is « non disponible ».
    taille
        ACI taille 1–4 (``None``: no box ticked, « non disponible »).
    taille_4_plus_plus
        Tick « Taille 4++ » (taille 4 with more than 100 professionals).
    taille_note
        Optional sentence under the boxes (bounds, funding, professionals counted).
    population_characteristics
        Blocks of « Caractéristique de la population ».
    care_supply
        Blocks of « Identification et analyse de l'offre de soin du territoire »
        (supply with densities and comparisons, establishments, accessibility).
    members, members_source, members_notes
        Rows of the members table (« Organisation de la CPTS »), any order, and the notes on the members file
        printed under it (members elsewhere or absent from the registry, shares not given): the report's.
    calendar, calendar_source, signature
        ACI mission calendar shown in « d) Macro-planning », with the
        signature date it was computed from (``None`` if not given).
    demo_warning
        When set, printed in red in the header of every page.
    notes
        Caveats printed at the end of the diagnostic part.
    named
        ``cpts_name`` is the CPTS's own name (a listed CPTS, or ``NOM=``), not a label made from the territory
        (« Annecy, Poisy et Digne-les-Bains »): only then is the « Nom de la CPTS » cell filled.

    Raises
    ------
    ValueError
        ``taille`` out of 1–4, 4++ ticked without taille 4, a members row
        naming no row of the Trame, or a profession given twice.
    """

    cpts_name: str
    territory: str
    generated: dt.date
    communes: Sequence[CommuneRow]
    communes_source: str
    population: int | None
    population_year: int | None
    population_source: str
    taille: int | None
    taille_4_plus_plus: bool = False
    taille_note: str = ""
    #: Said after the population when it is that of the loaded communes only (a CPTS partly outside the loaded
    #: départements), else empty.
    population_scope: str = ""
    population_characteristics: Sequence[Block] = ()
    care_supply: Sequence[Block] = ()
    members: Sequence[MembersRow] = ()
    members_source: str = ""
    members_notes: Sequence[str] = ()
    calendar: Sequence[CalendarRow] = ()
    calendar_source: str = ""
    signature: dt.date | None = None
    demo_warning: str | None = None
    notes: Sequence[str] = field(default_factory=tuple)
    named: bool = True

    def __post_init__(self) -> None:
        if self.taille is not None and self.taille not in (1, 2, 3, 4):
            raise ValueError(f"taille must be 1, 2, 3, 4 or None, not {self.taille!r}")
        if self.taille_4_plus_plus and self.taille != 4:
            raise ValueError("taille 4++ requires taille 4")
        professions = [row.profession for row in self.members]
        unknown = [p for p in professions if p not in trame_text.PROFESSIONS]
        if unknown:
            raise ValueError(f"members rows name no row of the Trame: {unknown} (see trame_profession)")
        repeated = sorted({p for p in professions if professions.count(p) > 1})
        if repeated:
            raise ValueError(f"members rows repeat professions: {repeated}")


__all__ = [
    "Block",
    "CalendarRow",
    "CommuneRow",
    "Figure",
    "MembersRow",
    "Paragraph",
    "SubHeading",
    "TrameDocument",
    "trame_profession",
]
