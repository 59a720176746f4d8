"""What the report lets through from its inputs: inline PNG images, links without a script scheme, CSS strings
that cannot end their style sheet (the report is opened offline and handed to others)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

IMAGE_PREFIX = "data:image/png;base64,"
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def safe_image_source(src: Any) -> str | None:
    """``src`` when it is an inline PNG (``data:image/png;base64,…``), ``None`` otherwise.

    The report is opened offline and handed to others: an image is never
    fetched from elsewhere, and nothing but base64 can follow the prefix.
    """
    if not isinstance(src, str) or not src.startswith(IMAGE_PREFIX):
        return None
    payload = src[len(IMAGE_PREFIX):]
    return src if payload and set(payload) <= _BASE64 else None


def safe_href(href: Any) -> str | None:
    """A link the report may carry: ``http(s)://`` or a relative path to a file (no other scheme)."""
    if not isinstance(href, str) or not href.strip():
        return None
    text = href.strip()
    if text.lower().startswith(("https://", "http://")):
        return text
    if ":" in text.split("/", 1)[0] or text.startswith(("/", "\\")):
        return None  # javascript:, file:, data:, absolute paths
    return text


def safe_links(items: Any) -> list[dict[str, str]]:
    out = []
    for item in items or []:
        href = safe_href(item.get("href"))
        if href is not None:
            out.append({"href": href, "text": str(item.get("text") or href)})
    return out


def css_string(value: Any, max_length: int = 90) -> Markup:
    """``value`` as a quoted CSS string, safe inside ``<style>`` (used by the printed page's margin boxes).

    Whitespace is collapsed and the text shortened to ``max_length``
    characters; every character but letters, digits, spaces and printable
    non-ASCII ones is written as a six-digit CSS escape, so neither a quote
    nor ``</style>`` can end the string or the style sheet.
    """
    text = " ".join(str(value).split())
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    escaped = "".join(
        ch if ch.isalnum() or ch == " " or (ord(ch) > 127 and ch.isprintable()) else f"\\{ord(ch):06x} "
        for ch in text
    )
    return Markup(f'"{escaped}"')
