"""Write the « Trame d'un projet de santé » as an editable Word file (python-docx).

The document follows the Trame (seed 002) part by part, with its headings:
the legal structure, the « Diagnostic territorial » filled from the
diagnostic, the actions by ACI mission, the organisation of the CPTS. What
the pipeline knows is written in normal text, each table and figure followed
by « Source : … »; what the team must write is left as framed boxes and empty
tables carrying the Trame's guidance in grey italics.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.exceptions import UnrecognizedImageError
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph as WordParagraph

from pipeline.errors import PipelineError
from pipeline.render.atomic import write_atomically
from pipeline.render.docx import layout
from pipeline.render.docx import trame_text as trame
from pipeline.render.docx.cells import members_cell as _members_cell
from pipeline.render.docx.model import Block, Figure, Paragraph, SubHeading, TrameDocument
from pipeline.render.docx.typography import set_french_spacing
from pipeline.render.report import format_date, format_number
from pipeline.render.table_spec import MISSING_TEXT, NUMERIC_KINDS, TableSpec, display_text

PREFILLED = ("Partie pré-remplie le {date} par l'outil cpts-diagnostic (territoire : {territory}) à partir des "
             "données publiques citées sous chaque tableau. Vérifiez ces éléments, puis complétez les encadrés.")
#: First bytes of a PNG and of a JPEG file.
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
_MONTHS_NONE = "pas de délai particulier"


class _Writer:
    """Numbering of tables and figures while the document is built."""

    def __init__(self, document: WordDocument) -> None:
        self.document = document
        self.tables = 0
        self.figures = 0
        self._style_ids: dict[str, str] = {}

    # --- small pieces -------------------------------------------------------------------------------
    def paragraph(self, text: str = "", style: str | None = None) -> WordParagraph:
        """A paragraph of ``text`` (cleaned of characters Word cannot hold) in the paragraph style ``style``."""
        paragraph = self.document.add_paragraph(layout.clean(text))
        if style is not None:
            if style not in self._style_ids:
                self._style_ids[style] = layout.style_id(self.document, style)
            layout.set_style(paragraph, self._style_ids[style])
        return paragraph

    def heading(self, text: str, level: int, new_page: bool = False) -> None:
        paragraph = self.document.add_heading(layout.clean(text), level=level)
        if new_page:
            paragraph.paragraph_format.page_break_before = True

    def guidance(self, *lines: str) -> None:
        for line in lines:
            self.paragraph(line, layout.GUIDANCE_STYLE)

    def text(self, line: str) -> None:
        self.paragraph(line)

    def source(self, text: str) -> None:
        if text:
            self.paragraph(f"Source : {text}", layout.SOURCE_STYLE)

    def caption(self, text: str) -> None:
        self.tables += 1
        self.paragraph(f"Tableau {self.tables} : {text}", layout.CAPTION_STYLE)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None,
              widths_cm: Sequence[float] | None = None) -> None:
        size = 8.0 if len(header) > 6 else None
        layout.add_table(self.document, header, rows, size=size, right=right, widths_cm=widths_cm)

    # --- blocks -------------------------------------------------------------------------------------
    def spec_table(self, spec: TableSpec) -> None:
        columns = list(spec.columns)
        self.caption(spec.title)
        rows = [[display_text(c, v) for c, v in zip(columns, raw, strict=True)] for raw in spec.rows()]
        if not rows:
            rows = [[spec.empty, *[""] * (len(columns) - 1)]]
        self.table([c.heading for c in columns], rows, right=[c.kind in NUMERIC_KINDS for c in columns])
        notes = []
        if spec.demo:
            notes.append("Données fictives de démonstration.")
        if spec.note:
            notes.append(spec.note)
        source = spec.source + (" — " + " ".join(notes) if notes else "")
        self.source(source)

    def figure(self, figure: Figure) -> None:
        where: Path | None = None
        if isinstance(figure.image, bytes):
            source: Path | io.BytesIO = io.BytesIO(figure.image)
        else:
            where = source = Path(figure.image)
            if not where.is_file():
                raise PipelineError("Image introuvable pour la Trame du projet de santé", where)
        try:
            head = source.getvalue()[:8] if isinstance(source, io.BytesIO) else source.read_bytes()[:8]
            if not head.startswith(IMAGE_SIGNATURES):
                raise UnrecognizedImageError("not a PNG or JPEG image")
            self.document.add_picture(source if isinstance(source, io.BytesIO) else str(source),
                                      width=Cm(min(figure.width_cm, layout.TEXT_WIDTH_CM)))
        except (UnrecognizedImageError, OSError, ValueError, struct.error, IndexError, KeyError) as exc:
            # a truncated or malformed image fails in python-docx's header parser with any of these
            raise PipelineError("Image illisible pour la Trame du projet de santé (PNG ou JPEG attendu)",
                                where) from exc
        picture = self.document.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        self.figures += 1
        self.paragraph(f"Figure {self.figures} : {figure.caption}", layout.CAPTION_STYLE)
        self.source(figure.source)

    def blocks(self, blocks: Sequence[Block]) -> None:
        for block in blocks:
            if isinstance(block, Paragraph):
                self.text(block.text)
            elif isinstance(block, SubHeading):
                self.heading(block.text, 3)
            elif isinstance(block, Figure):
                self.figure(block)
            elif isinstance(block, TableSpec):
                self.spec_table(block)
            else:
                raise TypeError(f"unknown block {type(block).__name__}")


def trame_missing_row(width: int) -> list[str]:
    """The single line of a table without rows."""
    return ["aucune donnée", *[""] * (width - 1)]


def _months(value: int | None, verb: str, after: str = "la signature") -> str:
    return _MONTHS_NONE if value is None else f"{verb} {value} mois après {after}"


def _day(value: dt.date | None) -> str:
    return "—" if value is None else value.strftime("%d/%m/%Y")


def _deadline(value: dt.date | None, months: int | None) -> str:
    """« non disponible » for a mission with a deadline whose date does not follow from the signature (see
    ``remarque``)."""
    return MISSING_TEXT if value is None and months is not None else _day(value)


def _front(w: _Writer, doc: TrameDocument) -> None:
    w.document.add_heading(trame.TITLE, level=0)
    w.guidance(trame.SUBTITLE)
    if doc.demo_warning:
        w.paragraph(doc.demo_warning, layout.WARNING_STYLE)
    w.text(trame.PROJECT_DATE)
    w.heading(trame.STRUCTURE, 1)
    rows = [[label, doc.cpts_name if index == 0 and doc.named else hint] for index, (label, hint) in
            enumerate(trame.STRUCTURE_FIELDS)]
    table = layout.add_table(w.document, ["Rubrique", "À compléter"], rows, widths_cm=[7.0, 10.0])
    guidance = layout.style_id(w.document, layout.GUIDANCE_STYLE)
    for row, (_, hint) in zip(table.rows[1:], trame.STRUCTURE_FIELDS, strict=True):
        if hint:  # the Trame's hint, in grey italics, to be replaced
            for paragraph in row.cells[1].paragraphs:
                layout.set_style(paragraph, guidance)
    w.document.add_paragraph()
    w.text(trame.ANNEXES_INTRO)
    for item in trame.ANNEXES:
        w.document.add_paragraph(item, style="List Bullet")
    w.guidance(trame.ACTION_SHEETS, trame.ACTION_SHEETS_EXAMPLE)


def _taille(w: _Writer, doc: TrameDocument) -> None:
    w.text(trame.TAILLE)
    table = w.document.add_table(rows=len(trame.TAILLE_GRID), cols=2)
    for row, keys in zip(table.rows, trame.TAILLE_GRID, strict=True):
        for cell, key in zip(row.cells, keys, strict=True):
            _box(cell.paragraphs[0], key, doc.taille is not None and str(doc.taille) == key)
    _box(w.document.add_paragraph(), "4++", doc.taille_4_plus_plus)
    if doc.taille is None:
        w.text("Taille non disponible : la population du territoire n'est pas connue.")
    if doc.taille_note:
        w.paragraph(doc.taille_note, layout.SOURCE_STYLE)


def _box(paragraph: WordParagraph, key: str, checked: bool) -> None:
    mark = paragraph.add_run(trame.CHECKED if checked else trame.UNCHECKED)
    mark.font.name = layout.BOX_FONT
    mark.font.size = Pt(12)
    label = paragraph.add_run(" " + trame.TAILLES[key])
    label.bold = checked or None


def _diagnostic(w: _Writer, doc: TrameDocument) -> None:
    w.heading(trame.DIAGNOSTIC, 1, new_page=True)
    w.paragraph(PREFILLED.format(date=format_date(doc.generated), territory=doc.territory), layout.SOURCE_STYLE)
    w.heading(trame.TERRITORY, 2)
    w.caption("Communes du territoire")
    rows = [[f"{c.commune} ({c.code_insee})", c.codes_postaux or MISSING_TEXT, c.particularites or MISSING_TEXT]
            for c in doc.communes] or [trame_missing_row(3)]
    w.table(list(trame.COMMUNES_HEADER), rows, widths_cm=[6.5, 3.5, 7.0])
    w.source(doc.communes_source)

    population = MISSING_TEXT if doc.population is None else (
        f"{format_number(doc.population)} habitants")
    if doc.population_year is not None and doc.population is not None:
        population += f" (population municipale légale {doc.population_year})"
    if doc.population_scope and doc.population is not None:
        population += f", {doc.population_scope}"
    paragraph = w.paragraph(trame.POPULATION + " ")
    paragraph.add_run(population).bold = True
    w.source(doc.population_source)
    _taille(w, doc)

    w.heading(trame.POPULATION_CHARACTERISTICS, 2)
    w.guidance(*trame.POPULATION_GUIDANCE)
    w.blocks(doc.population_characteristics)
    layout.add_box(w.document, trame.POPULATION_BOX)

    w.heading(trame.CARE_SUPPLY, 2)
    w.guidance(*trame.CARE_SUPPLY_GUIDANCE)
    w.blocks(doc.care_supply)
    layout.add_box(w.document, trame.CARE_SUPPLY_BOX)
    if doc.notes:
        w.paragraph("Remarques sur les données :", layout.SOURCE_STYLE)
        for note in doc.notes:
            w.paragraph(note, layout.SOURCE_STYLE)


def _action_table(w: _Writer, header: Sequence[str]) -> None:
    w.table(list(header), [["", ""] for _ in range(3)], widths_cm=[8.0, 9.0])
    w.document.add_paragraph()


def _calendar(w: _Writer, doc: TrameDocument) -> None:
    if not doc.calendar:
        return
    intro = ("Délais de l'ACI après la signature du contrat" if doc.signature is None else
             f"Calendrier de l'ACI pour une signature le {_day(doc.signature)}")
    w.caption(intro)
    header = ["Mission", "Catégorie", "Démarrage", "Déploiement"]
    if doc.signature is not None:
        header += ["Démarrage au plus tard", "Déploiement au plus tard"]
    rows = []
    for row in doc.calendar:
        # A mission of an avenant later than the contract runs from the CPTS's own avenant (see its remark).
        after = ("l'avenant au contrat de la CPTS" if doc.signature is not None and row.demarrage is None
                 and row.demarrage_mois is not None else "la signature")
        line = [row.mission, row.categorie, _months(row.demarrage_mois, "au plus tard", after),
                _months(row.deploiement_mois, "au plus tard", after)]
        if doc.signature is not None:
            line += [_deadline(row.demarrage, row.demarrage_mois), _deadline(row.deploiement, row.deploiement_mois)]
        rows.append(line)
    w.table(header, rows)
    w.source(doc.calendar_source)
    for row in doc.calendar:
        if doc.signature is not None and row.demarrage is None and row.demarrage_mois is not None:
            w.guidance(f"{row.mission} : {row.remarque}.")


def _macro_planning_grid(w: _Writer) -> None:
    actions_per_mission = 3
    rows = []
    for mission in trame.MACRO_PLANNING_MISSIONS:
        for number in range(1, actions_per_mission + 1):
            rows.append([mission if number == 1 else "", str(number), "", "", "", "", ""])
    table = layout.add_table(w.document, list(trame.MACRO_PLANNING_HEADER), rows, size=7.5,
                             widths_cm=[5.0, 1.5, 2.1, 2.1, 2.1, 2.1, 2.1])
    for index in range(len(trame.MACRO_PLANNING_MISSIONS)):
        first = 1 + index * actions_per_mission
        merged = layout.merge_down(table, 0, first, first + actions_per_mission - 1)
        layout.shade(merged, "F3F5F8")
        # merging keeps the empty paragraphs of the merged cells: drop them
        for paragraph in merged.paragraphs[1:]:
            if not paragraph.text:
                paragraph._p.getparent().remove(paragraph._p)


def _actions(w: _Writer, doc: TrameDocument) -> None:
    w.heading(trame.ACTIONS, 1, new_page=True)
    w.guidance(trame.ACTIONS_GUIDANCE)
    w.heading(trame.CORE_MISSIONS, 2)
    w.guidance(trame.CORE_MISSIONS_GUIDANCE)
    for title in trame.CORE_MISSION_TITLES:
        w.heading(title, 3)
        _action_table(w, trame.ACTION_HEADER)
    w.heading(trame.OPTIONAL_MISSIONS, 2)
    for title in trame.OPTIONAL_MISSION_TITLES:
        w.heading(title, 3)
        _action_table(w, trame.ACTION_HEADER)
    w.heading(trame.OTHER_ACTIONS, 2)
    w.guidance(trame.OTHER_ACTIONS_GUIDANCE)
    _action_table(w, trame.OTHER_ACTION_HEADER)
    w.heading(trame.MACRO_PLANNING, 2)
    w.guidance(*trame.MACRO_PLANNING_GUIDANCE)
    _calendar(w, doc)
    _macro_planning_grid(w)


def _organisation(w: _Writer, doc: TrameDocument) -> None:
    w.heading(trame.ORGANISATION, 1, new_page=True)
    w.heading(trame.MEMBERS, 2)
    w.guidance(*trame.MEMBERS_GUIDANCE)
    by_profession = {row.profession: row for row in doc.members}
    rows = [[profession, *_members_cell(by_profession.get(profession))] for profession in trame.PROFESSIONS]
    w.caption("Professionnels de santé adhérents de la CPTS")
    w.table(list(trame.MEMBERS_HEADER), rows, right=[False, True, True, True], widths_cm=[5.0, 4.0, 4.0, 4.0])
    if doc.members:
        w.source(doc.members_source + " — Pourcentage : part des professionnels du territoire (des structures du "
                 "territoire pour les MSP et les centres de santé). Les cellules vides "
                 "sont à compléter par la CPTS.")
    for note in doc.members_notes:  # as under the report's table (a review: the Word cells stood unexplained)
        w.paragraph(note, layout.SOURCE_STYLE)
    w.heading(trame.INCLUSION, 2)
    w.guidance(*trame.INCLUSION_GUIDANCE)
    layout.add_box(w.document, trame.INCLUSION_BOX)
    w.heading(trame.PARTNERS, 2)
    w.guidance(*trame.PARTNERS_GUIDANCE)
    w.table(list(trame.PARTNERS_HEADER), [[""] * 5 for _ in range(3)])
    w.document.add_paragraph()
    w.heading(trame.COOPERATION, 2)
    w.guidance(*trame.COOPERATION_GUIDANCE)
    layout.add_box(w.document, trame.COOPERATION_BOX)


#: Longest text of a Word document property (python-docx refuses more; Word's own limit).
PROPERTY_LIMIT = 255


def _property(text: str) -> str:
    """``text`` as a document property: cleaned, and cut with « … » beyond :data:`PROPERTY_LIMIT` characters
    (a long CPTS name or commune list stays whole in the document's own title and text)."""
    text = layout.clean(text)
    return text if len(text) <= PROPERTY_LIMIT else text[:PROPERTY_LIMIT - 1] + "…"


def build_trame(doc: TrameDocument) -> WordDocument:
    """The python-docx document of ``doc`` (not saved)."""
    document = docx.Document()
    layout.set_up_page(document)
    layout.set_up_styles(document)
    layout.set_up_header_footer(document, f"{doc.cpts_name} — {trame.TITLE}", doc.demo_warning)
    properties = document.core_properties
    properties.title = _property(f"{trame.TITLE} — {doc.cpts_name}")
    properties.subject = "Projet de santé de CPTS : diagnostic territorial pré-rempli"
    properties.author = "cpts-diagnostic"
    properties.language = "fr-FR"
    properties.comments = _property(f"Territoire : {doc.territory}")
    # python-docx's template says 2013 otherwise (a review saw « créé le 23/12/2013 » in Word's properties).
    properties.created = properties.modified = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    properties.last_modified_by = "cpts-diagnostic"
    properties.revision = 1
    w = _Writer(document)
    _front(w, doc)
    _diagnostic(w, doc)
    _actions(w, doc)
    _organisation(w, doc)
    set_french_spacing(document)
    return document


def write_trame_docx(doc: TrameDocument, path: str | Path) -> Path:
    """Write the Trame of ``doc`` as a Word file at ``path`` (replaced atomically); returns the path.

    Raises
    ------
    PipelineError
        An image is missing or unreadable, or the file cannot be written
        (French message naming the file).
    """
    document = build_trame(doc)
    return write_atomically(path, lambda tmp: document.save(str(tmp)), "la Trame du projet de santé (Word)")


__all__ = ["build_trame", "write_trame_docx"]
