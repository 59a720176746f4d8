"""Text of each page of a PDF printed by Chromium (Skia), for tests only.

Poppler's ``pdftotext`` and pypdf are not installed; this reader handles what
Skia writes: a classic cross-reference table, Flate-compressed content
streams, and Type 0 fonts whose glyph codes map to Unicode through a
``ToUnicode`` CMap. It is written independently of
:mod:`pipeline.render.pdf` so that tests of the printer do not check the
printer with itself.
"""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\b")


def _objects(pdf: bytes) -> dict[int, bytes]:
    """Object number -> raw bytes from ``N 0 obj`` to ``endobj``, located through the xref table."""
    start = int(re.search(rb"startxref\s+(\d+)", pdf[pdf.rfind(b"startxref"):]).group(1))
    table = pdf[start:].split(b"trailer", 1)[0].splitlines()[1:]
    objects: dict[int, bytes] = {}
    number = 0
    for line in table:
        parts = line.split()
        if len(parts) == 2:
            number = int(parts[0])
        elif len(parts) == 3:
            if parts[2] == b"n":
                offset = int(parts[0])
                objects[number] = pdf[offset:pdf.index(b"endobj", offset)]
            number += 1
    return objects


def _head(raw: bytes) -> bytes:
    return raw.split(b"stream", 1)[0]


def _stream(objects: dict[int, bytes], number: int) -> bytes:
    raw = objects[number]
    head, rest = raw.split(b"stream", 1)
    rest = rest[2:] if rest.startswith(b"\r\n") else rest[1:]
    length_ref = re.search(rb"/Length (\d+) 0 R", head)
    length = int(_head(objects[int(length_ref.group(1))]).split(b"obj")[1].strip()) if length_ref else int(
        re.search(rb"/Length (\d+)", head).group(1))
    data = rest[:length]
    return zlib.decompress(data) if b"/FlateDecode" in head else data


def _cmap(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(dst, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def _fonts(objects: dict[int, bytes], page: bytes) -> dict[bytes, dict[int, str]]:
    resources = page
    ref = re.search(rb"/Resources (\d+) 0 R", page)
    if ref:
        resources = _head(objects[int(ref.group(1))])
    fonts: dict[bytes, dict[int, str]] = {}
    block = re.search(rb"/Font\s*<<(.*?)>>", resources, re.S)
    for name, number in re.findall(rb"/(\w+) (\d+) 0 R", block.group(1) if block else b""):
        font = _head(objects[int(number)])
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
        fonts[name] = _cmap(_stream(objects, int(to_unicode.group(1)))) if to_unicode else {}
    return fonts


def _page_numbers(objects: dict[int, bytes]) -> list[int]:
    catalog = next(n for n, raw in objects.items() if b"/Type /Catalog" in _head(raw))
    root = int(re.search(rb"/Pages (\d+) 0 R", _head(objects[catalog])).group(1))
    pages: list[int] = []

    def walk(number: int) -> None:
        head = _head(objects[number])
        if re.search(rb"/Type /Pages\b", head):
            kids = re.search(rb"/Kids \[(.*?)\]", head, re.S).group(1)
            for kid in re.findall(rb"(\d+) 0 R", kids):
                walk(int(kid))
        else:
            pages.append(number)

    walk(root)
    return pages


_TOKENS = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\[(.*?)\]\s*TJ|\b(ET)\b", re.S)


def _pages(pdf: bytes) -> list[tuple[dict[bytes, dict[int, str]], bytes]]:
    """Each page's fonts (name -> glyph code -> text) and content stream."""
    objects = _objects(pdf)
    pages = []
    for number in _page_numbers(objects):
        page = _head(objects[number])
        contents = re.search(rb"/Contents (?:(\d+) 0 R|\[(.*?)\])", page, re.S)
        refs = [contents.group(1)] if contents.group(1) else re.findall(rb"(\d+) 0 R", contents.group(2))
        pages.append((_fonts(objects, page), b"".join(_stream(objects, int(r)) for r in refs)))
    return pages


def page_texts(pdf: bytes) -> list[str]:
    """Text of each page; text objects (``BT … ET``) end with a line break."""
    texts = []
    for fonts, data in _pages(pdf):
        font: dict[int, str] = {}
        out: list[str] = []
        for match in _TOKENS.finditer(data):
            if match.group(1):
                font = fonts.get(match.group(1), {})
            elif match.group(4):
                out.append("\n")
            else:
                hexes = [match.group(2)] if match.group(2) is not None else re.findall(rb"<([0-9A-Fa-f]*)>",
                                                                                        match.group(3))
                for h in hexes:
                    for i in range(0, len(h), 4):
                        out.append(font.get(int(h[i:i + 4], 16), "\ufffd"))
        texts.append("".join(out))
    return texts


_BLOCK = re.compile(rb"BT(.*?)ET", re.S)
_MATRIX = re.compile(rb"[-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ ([-\d.]+) Tm")
_SHOWN = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\[(.*?)\]\s*TJ", re.S)


def page_runs(pdf: bytes) -> list[list[tuple[float, str]]]:
    """Each page's text objects in drawing order, as ``(baseline, text)``: two runs of one printed line share their
    baseline (Skia draws one text object per run, starting with its ``Tm``). A run holding a hyphen alone is
    joined to the run before it on the same line (Chromium draws an inline element's text as its own run)."""
    pages = []
    for fonts, data in _pages(pdf):
        runs: list[tuple[float, str]] = []
        font: dict[int, str] = {}
        for block in _BLOCK.finditer(data):
            matrix = _MATRIX.search(block.group(1))
            baseline = round(float(matrix.group(1)), 1) if matrix else float("nan")
            out = []
            for match in _SHOWN.finditer(block.group(1)):
                if match.group(1):
                    font = fonts.get(match.group(1), {})
                    continue
                hexes = [match.group(2)] if match.group(2) is not None else re.findall(rb"<([0-9A-Fa-f]*)>",
                                                                                        match.group(3))
                out += [font.get(int(h[i:i + 4], 16), "\ufffd") for h in hexes for i in range(0, len(h), 4)]
            text = "".join(out)
            if text in ("-", "\u2010") and runs and runs[-1][0] == baseline:
                runs[-1] = (baseline, runs[-1][1] + text)
            else:
                runs.append((baseline, text))
        pages.append(runs)
    return pages
