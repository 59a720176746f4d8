"""Print the HTML report to PDF with headless Chromium (Playwright), table of contents numbered.

The page layout comes from the report's print style sheet (A4, margins, the
running title and demonstration warning in the top margin, « page X / Y » in
the bottom margin: CSS margin boxes, which Chromium draws outside the
content). Chromium cannot number a table of contents (no CSS
``target-counter``), so the report is printed twice:

1. a first print, with a placeholder in each entry of the table of contents;
   each entry links to its heading, and Chromium writes one PDF *named
   destination* per link target, on the page where the heading lands;
2. the page numbers read from those destinations are written into the table
   of contents, and the report is printed again.

The numbers are checked against the second print's own destinations (they
cannot move: the number boxes have a fixed width); after
:data:`MAX_PRINTS` prints without agreement, the table of contents is printed
without numbers rather than with wrong ones.
"""

from __future__ import annotations

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.render.atomic import write_atomically
from pipeline.render.print_layout import lay_out_for_print

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run",
                 "--disable-component-update", "--disable-sync"]
#: Where Chromium is looked for when ``CPTS_CHROMIUM`` is not set.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MAX_PRINTS = 4
PLACEHOLDER = "000"
INSTALL_HINT = ("Installez-le avec « apt-get install chromium » (Debian, Ubuntu) ou « make install », "
                "ou indiquez son chemin dans la variable CPTS_CHROMIUM.")

_FILL_TOC = """(numbers) => {
  const nav = document.querySelector('nav.sommaire');
  if (nav) { nav.classList.toggle('avec-pages', numbers !== null); }
  for (const el of document.querySelectorAll('[data-cible]')) {
    const n = numbers === null ? null : numbers[el.dataset.cible];
    el.textContent = n === null || n === undefined ? '' : String(n);
  }
}"""
_TARGETS = "() => Array.from(document.querySelectorAll('[data-cible]'), el => el.dataset.cible)"


class PrintError(PipelineError):
    """Printing failed in the browser (time-out, crash): a problem of the machine, not of the data."""

    exit_code = 1


class BrowserMissingError(PrintError):
    """Chromium (or Playwright) is missing or cannot start."""


def find_chromium() -> str:
    """Path of the Chromium executable: ``CPTS_CHROMIUM``, else ``/usr/bin/chromium`` or one on ``PATH``.

    Raises
    ------
    BrowserMissingError
        No Chromium is found (French message saying how to install it).
    """
    configured = os.environ.get("CPTS_CHROMIUM")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise BrowserMissingError(
            f"Chromium introuvable à l'emplacement indiqué par CPTS_CHROMIUM ({configured}). {INSTALL_HINT}")
    for candidate in CHROMIUM_CANDIDATES:
        found = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if found and Path(found).is_file() and os.access(found, os.X_OK):
            return found
    raise BrowserMissingError(
        f"Impossible d'imprimer le rapport en PDF : le navigateur Chromium est introuvable. {INSTALL_HINT}")


def check_printing_available(chromium: str | None = None) -> str:
    """Fail early, in French, when the report cannot be printed (no Chromium, or no Playwright).

    Returns the Chromium executable. Meant to be called before a long
    computation whose report will be printed.

    Raises
    ------
    BrowserMissingError
        Chromium or Playwright is missing (exit code 1).
    """
    executable = chromium or find_chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise BrowserMissingError(
            "Impossible d'imprimer le rapport en PDF : la bibliothèque Playwright n'est pas installée "
            "(« make install » l'installe).") from exc
    return executable


# --- Reading the printed PDF: pages and named destinations ------------------------------------------------

_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_OBJECT_HEAD = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_REF = re.compile(rb"(\d+)\s+(\d+)\s+R")


def _object_offsets(pdf: bytes) -> dict[int, int]:
    """Object number -> byte offset, from the classic cross-reference table, else by scanning."""
    offsets: dict[int, int] = {}
    start = pdf.rfind(b"startxref")
    match = re.match(rb"startxref\s+(\d+)", pdf[start:]) if start >= 0 else None
    if match:
        position = int(match.group(1))
        if pdf[position:position + 4] == b"xref":
            lines = pdf[position + 4:].split(b"trailer", 1)[0]
            number = 0
            for line in lines.splitlines():
                parts = line.split()
                if len(parts) == 2 and all(p.isdigit() for p in parts):
                    number = int(parts[0])
                    continue
                entry = _XREF_ENTRY.match(line.strip())
                if entry:
                    if entry.group(3) == b"n":
                        offsets[number] = int(entry.group(1))
                    number += 1
    if not offsets:  # cross-reference stream or damaged table: scan object headers
        for head in _OBJECT_HEAD.finditer(pdf):
            offsets.setdefault(int(head.group(1)), head.start())
    return offsets


def _dictionary(pdf: bytes, offset: int) -> bytes:
    """The text of the object at ``offset``, up to its stream (if any) or ``endobj``."""
    end = pdf.find(b"endobj", offset)
    body = pdf[offset:end if end >= 0 else len(pdf)]
    stream = body.find(b"stream")
    return body[:stream] if stream >= 0 else body


def _value(dictionary: bytes, key: bytes) -> bytes | None:
    match = re.search(rb"/" + key + rb"\s*(\d+\s+\d+\s+R|<<.*?>>|\[.*?\])", dictionary, re.S)
    return match.group(1) if match else None


def _resolve(pdf: bytes, offsets: dict[int, int], value: bytes) -> bytes:
    ref = _REF.fullmatch(value.strip())
    if ref and int(ref.group(1)) in offsets:
        return _dictionary(pdf, offsets[int(ref.group(1))])
    return value


def _name(raw: bytes) -> str:
    """A PDF name or string (``#xx`` escapes decoded)."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("utf-8", "replace")


def page_objects(pdf: bytes) -> list[int]:
    """Object numbers of the pages of ``pdf``, in reading order."""
    offsets = _object_offsets(pdf)
    catalog = next((d for d in (_dictionary(pdf, o) for o in offsets.values()) if re.search(rb"/Type\s*/Catalog", d)),
                   None)
    if catalog is None:
        raise ValueError("PDF without catalog")
    root = _REF.match(_value(catalog, b"Pages") or b"")
    pages: list[int] = []
    stack = [int(root.group(1))] if root else []
    seen: set[int] = set()
    while stack:
        number = stack.pop()
        if number in seen or number not in offsets:
            continue
        seen.add(number)
        node = _dictionary(pdf, offsets[number])
        if re.search(rb"/Type\s*/Pages\b", node):
            kids = _value(node, b"Kids") or b""
            stack.extend(reversed([int(m.group(1)) for m in _REF.finditer(kids)]))
        else:
            pages.append(number)
    return pages


def destination_pages(pdf: bytes) -> dict[str, int]:
    """Named destination -> 1-based page number, from the catalog's ``/Dests`` or ``/Names`` tree."""
    offsets = _object_offsets(pdf)
    numbers = {obj: index for index, obj in enumerate(page_objects(pdf), start=1)}
    catalog = next(d for d in (_dictionary(pdf, o) for o in offsets.values()) if re.search(rb"/Type\s*/Catalog", d))
    found: dict[str, int] = {}
    dests = _value(catalog, b"Dests")
    if dests is not None:
        table = _resolve(pdf, offsets, dests)
        for match in re.finditer(rb"/([^\s/\[\]<>()]+)\s*\[\s*(\d+)\s+\d+\s+R", table):
            if int(match.group(2)) in numbers:
                found[_name(match.group(1))] = numbers[int(match.group(2))]
    names = _value(catalog, b"Names")
    if names is not None:
        tree = _value(_resolve(pdf, offsets, names), b"Dests")
        stack = [tree] if tree is not None else []
        while stack:
            node = _resolve(pdf, offsets, stack.pop())
            for match in re.finditer(rb"\(((?:[^()\\]|\\.)*)\)\s*\[\s*(\d+)\s+\d+\s+R", node):
                if int(match.group(2)) in numbers:
                    found[_name(match.group(1))] = numbers[int(match.group(2))]
            kids = _value(node, b"Kids")
            if kids:
                stack.extend(m.group(0) for m in _REF.finditer(kids))
    return found


def page_count(pdf: bytes) -> int:
    """Number of pages of ``pdf``."""
    return len(page_objects(pdf))


# --- Printing ---------------------------------------------------------------------------------------------

def _print(page: Any) -> bytes:
    pdf: bytes = page.pdf(prefer_css_page_size=True, print_background=True, outline=True, tagged=True)
    return pdf


def print_with_toc(page: Any) -> bytes:
    """Print the loaded ``page`` (Playwright) with its table of contents numbered; returns the PDF bytes."""
    targets: list[str] = page.evaluate(_TARGETS)
    if not targets:
        return _print(page)
    page.evaluate(_FILL_TOC, {target: PLACEHOLDER for target in targets})
    pdf = _print(page)
    printed: dict[str, int | None] | None = None  # numbers shown in ``pdf`` (None: placeholders)
    for _ in range(MAX_PRINTS - 1):
        try:
            landed = destination_pages(pdf)
        except (ValueError, StopIteration):
            break  # a PDF structure we cannot read: no numbers rather than wrong ones
        found: dict[str, int | None] = {target: landed.get(target) for target in targets}
        if found == printed:
            return pdf
        if all(number is None for number in found.values()):
            break
        printed = found
        page.evaluate(_FILL_TOC, printed)
        pdf = _print(page)
    page.evaluate(_FILL_TOC, None)
    return _print(page)


def _print_file(html: Path, executable: str, timeout_s: float) -> bytes:
    """Open ``html`` offline in Chromium and print it (see :func:`print_with_toc`)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith(("file:", "data:", "about:")):
            request_route.continue_()
        else:
            request_route.abort()

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            raise BrowserMissingError(
                f"Impossible de démarrer Chromium ({executable}) pour imprimer le rapport en PDF. {INSTALL_HINT}"
            ) from exc
        try:
            context = browser.new_context(locale="fr-FR")
            context.set_default_timeout(timeout_s * 1000)
            context.route("**/*", route)
            page = context.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.evaluate("() => document.fonts.ready.then(() => true)")
            lay_out_for_print(page)
            return print_with_toc(page)
        except PlaywrightError as exc:
            raise PrintError(f"Impression du rapport en PDF impossible dans Chromium ({exc.message.splitlines()[0]})",
                             html) from exc
        finally:
            browser.close()


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: str | None = None,
              timeout_s: float = 180) -> Path:
    """Print the HTML report at ``html_path`` to an A4 PDF at ``pdf_path`` (replaced atomically).

    The page is opened offline (any request other than ``file:``/``data:`` is
    blocked). Returns ``pdf_path``.

    Parameters
    ----------
    html_path
        Report written by :func:`pipeline.render.report.write_report`.
    pdf_path
        Destination; its folder is created.
    chromium
        Chromium executable (see :func:`find_chromium` by default).
    timeout_s
        Time allowed to load and print the page.

    Raises
    ------
    PipelineError
        The HTML file does not exist (exit code 2), or the PDF cannot be written.
    BrowserMissingError
        Chromium or Playwright is missing or does not start (exit code 1).
    PrintError
        Chromium fails while loading or printing the page (exit code 1).
    """
    html = Path(html_path)
    if not html.is_file():
        raise PipelineError("Rapport HTML introuvable : impossible de l'imprimer en PDF", html)
    executable = chromium or find_chromium()
    if not Path(executable).is_file():
        raise BrowserMissingError(
            f"Impossible d'imprimer le rapport en PDF : Chromium introuvable ({executable}). {INSTALL_HINT}")
    try:
        import playwright.sync_api  # noqa: F401  (imported for real in the printing thread)
    except ImportError as exc:
        raise BrowserMissingError(
            "Impossible d'imprimer le rapport en PDF : la bibliothèque Playwright n'est pas installée "
            "(« make install » l'installe).") from exc

    # Playwright's synchronous API refuses to run where an asyncio loop is running (a notebook, or a
    # process that already drives a browser): printing happens in a thread of its own.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="impression-pdf") as pool:
        pdf = pool.submit(_print_file, html, executable, timeout_s).result()
    return write_atomically(pdf_path, lambda tmp: tmp.write_bytes(pdf), "le rapport PDF")


__all__ = [
    "BrowserMissingError",
    "PrintError",
    "check_printing_available",
    "destination_pages",
    "find_chromium",
    "page_count",
    "page_objects",
    "print_pdf",
    "print_with_toc",
]
