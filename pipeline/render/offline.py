"""Make folium HTML pages self-contained (no network needed to display them).

folium writes ``<script src="https://cdn...">`` and ``<link href="https://cdn...">``
tags for Leaflet, jQuery, Bootstrap, Font Awesome and plugins. Offline (and on
many hospital networks) those requests fail and the page shows nothing
("L is not defined"). :func:`inline_assets` replaces each of these tags with
the content of a vendored copy from ``pipeline/assets/vendor/`` (fetched by
``scripts/vendor_assets.py``; ``manifest.json`` maps each CDN URL to a file).
Images and fonts referenced from the CSS are embedded as ``data:`` URIs.

Rules
-----
* A remote script or stylesheet with no vendored copy is an error raised at
  generation time (:class:`OfflineAssetError`): we never write a page that
  needs the network.
* The few URLs listed under ``"dropped"`` in the manifest (Bootstrap 3 glyph
  font, awesome-markers rotation CSS) are removed on purpose, with an HTML
  comment; they only serve icon features the pipeline does not use.
* Font files referenced by the CSS but not vendored (``.ttf`` fallbacks after
  ``woff2``) become empty ``data:,`` URIs; any other missing file is an error.
* Tile layers are not assets: map tiles always need the network. The map
  builders of :mod:`pipeline.render.maps` draw no tiles by default (see there).
"""

from __future__ import annotations

import base64
import functools
import json
import mimetypes
import re
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError

VENDOR_DIR = Path(__file__).resolve().parent / "assets" / "vendor"

_MIME = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".eot": "application/vnd.ms-fontobject",
}
_FONT_SUFFIXES = {".woff2", ".woff", ".ttf", ".eot", ".otf", ".svg"}

_SCRIPT_RE = re.compile(
    r"<script\b(?P<attrs>[^>]*?)\bsrc\s*=\s*(?P<q>[\"'])(?P<url>[^\"']+)(?P=q)[^>]*>\s*</script\s*>",
    re.IGNORECASE,
)
_LINK_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_HREF_RE = re.compile(r"\bhref\s*=\s*([\"'])([^\"']+)\1", re.IGNORECASE)
_REL_RE = re.compile(r"\brel\s*=\s*([\"'])?\s*stylesheet\b", re.IGNORECASE)
_CSS_URL_RE = re.compile(r"url\(\s*(?:(?P<q>[\"'])(?P<quoted>.*?)(?P=q)|(?P<bare>[^)\"']*?))\s*\)", re.DOTALL)
_SOURCEMAP_RE = re.compile(r"(?m)^\s*(//[#@]\s*sourceMappingURL=.*|/\*[#@]\s*sourceMappingURL=.*?\*/)\s*$")

# Leaflet guesses the default marker image path from the URL of its CSS
# background image, which fails once the image is a data: URI. This shim, run
# right after Leaflet, points the default icon at embedded images instead.
_LEAFLET_ICON_SHIM = """
(function () {{
  if (typeof L === 'undefined' || !L.Icon || !L.Icon.Default) {{ return; }}
  L.Icon.Default.imagePath = '';
  L.Icon.Default.mergeOptions({{
    iconUrl: '{icon}',
    iconRetinaUrl: '{icon2x}',
    shadowUrl: '{shadow}'
  }});
}})();
"""


class OfflineAssetError(PipelineError):
    """A page references a remote asset that has no vendored copy."""


@functools.cache
def load_manifest() -> dict[str, Any]:
    """Return the vendored-asset manifest (``pipeline/assets/vendor/manifest.json``)."""
    path = VENDOR_DIR / "manifest.json"
    if not path.exists():
        raise OfflineAssetError(
            "Copies locales des bibliothèques JavaScript absentes : lancez scripts/vendor_assets.py.", path
        )
    return json.loads(path.read_text(encoding="utf-8"))


def _is_remote(url: str) -> bool:
    low = url.strip().lower()
    return low.startswith(("http://", "https://", "//"))


def _normalise(url: str) -> str:
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    return url.split("#", 1)[0].split("?", 1)[0].replace("http://", "https://", 1)


def resolve_asset(url: str) -> Path | None:
    """Return the vendored file for a CDN ``url``; ``None`` if it is deliberately dropped.

    Parameters
    ----------
    url
        Remote URL of a script or stylesheet, as written by folium.

    Raises
    ------
    OfflineAssetError
        If the URL has no vendored copy.
    """
    manifest = load_manifest()
    key = _normalise(url)
    assets: dict[str, str] = manifest["assets"]
    if key in assets:
        return VENDOR_DIR / assets[key]
    if key in manifest.get("dropped", {}):
        return None
    raise OfflineAssetError(
        f"Aucune copie locale pour la ressource {url!r} : la page ne fonctionnerait pas hors ligne. "
        "Ajoutez-la à scripts/vendor_assets.py (npm pack) ou retirez-la de la carte."
    )


def data_uri(path: Path) -> str:
    """Encode a file as a base64 ``data:`` URI."""
    mime = _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def inline_css(path: Path) -> str:
    """Return the CSS file's text with its ``url(...)`` references embedded.

    Relative URLs are resolved against the CSS file; images and vendored fonts
    become ``data:`` URIs, non-vendored fonts become ``data:,`` (dropped).

    Raises
    ------
    OfflineAssetError
        On a remote URL or a missing non-font file.
    """
    text = _SOURCEMAP_RE.sub("", path.read_text(encoding="utf-8"))

    def repl(match: re.Match[str]) -> str:
        raw = match.group("quoted") if match.group("q") else match.group("bare")
        ref = (raw or "").strip()
        if not ref or ref.startswith(("data:", "#")):
            return match.group(0)
        if _is_remote(ref):
            raise OfflineAssetError(f"La feuille de style {path.name} référence une ressource distante {ref!r}.")
        target = (path.parent / ref.split("#", 1)[0].split("?", 1)[0]).resolve()
        if target.is_file():
            return f'url("{data_uri(target)}")'
        if target.suffix.lower() in _FONT_SUFFIXES:
            return 'url("data:,")'
        raise OfflineAssetError(f"Fichier {ref!r} introuvable pour la feuille de style {path.name}.", target)

    return _CSS_URL_RE.sub(repl, text)


def _script_tag(path: Path) -> str:
    code = _SOURCEMAP_RE.sub("", path.read_text(encoding="utf-8"))
    body = f"<script>/* {path.parent.name}/{path.name} (copie locale) */\n{_escape_script(code)}\n</script>"
    if path.name == "leaflet.js":
        images = path.parent / "images"
        shim = _LEAFLET_ICON_SHIM.format(
            icon=data_uri(images / "marker-icon.png"),
            icon2x=data_uri(images / "marker-icon-2x.png"),
            shadow=data_uri(images / "marker-shadow.png"),
        )
        body += f"\n<script>{shim}</script>"
    return body


def _escape_script(code: str) -> str:
    # "</script" inside inline JS would close the element early.
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def inline_assets(html: str) -> str:
    """Replace remote ``<script src>`` and stylesheet ``<link>`` tags with inline copies.

    Parameters
    ----------
    html
        A complete HTML page (e.g. ``folium.Map.get_root().render()``).

    Returns
    -------
    str
        The same page, needing no network for its scripts and styles.

    Raises
    ------
    OfflineAssetError
        If a remote script or stylesheet has no vendored copy, or if any
        remote script/stylesheet reference remains after inlining.
    """
    cache: dict[str, str] = {}

    def script(match: re.Match[str]) -> str:
        url = match.group("url")
        if not _is_remote(url):
            return match.group(0)
        path = resolve_asset(url)
        if path is None:
            return f"<!-- ressource omise hors ligne : {_comment_safe(url)} -->"
        key = "js:" + str(path)
        if key in cache:
            return "<!-- déjà incluse : " + _comment_safe(url) + " -->"
        cache[key] = _script_tag(path)
        return cache[key]

    def link(match: re.Match[str]) -> str:
        tag = match.group(0)
        href_match = _HREF_RE.search(tag)
        if not href_match or not _REL_RE.search(tag):
            return tag
        url = href_match.group(2)
        if not _is_remote(url):
            return tag
        path = resolve_asset(url)
        if path is None:
            return f"<!-- ressource omise hors ligne : {_comment_safe(url)} -->"
        key = "css:" + str(path)
        if key in cache:
            return "<!-- déjà incluse : " + _comment_safe(url) + " -->"
        css = inline_css(path).replace("</style", "<\\/style")
        cache[key] = f"<style>/* {path.parent.name}/{path.name} (copie locale) */\n{css}\n</style>"
        return cache[key]

    out = _SCRIPT_RE.sub(script, html)
    out = _LINK_RE.sub(link, out)
    remaining = remote_references(out)
    if remaining:
        raise OfflineAssetError("Ressources distantes restantes dans la page : " + ", ".join(sorted(set(remaining))))
    return out


def _comment_safe(text: str) -> str:
    return text.replace("--", "- -").replace(">", "&gt;")


def remote_references(html: str) -> list[str]:
    """List the remote URLs still loaded by ``<script src>`` or stylesheet ``<link>`` tags."""
    found = [m.group("url") for m in _SCRIPT_RE.finditer(html) if _is_remote(m.group("url"))]
    for tag in _LINK_RE.findall(html):
        href = _HREF_RE.search(tag)
        if href and _REL_RE.search(tag) and _is_remote(href.group(2)):
            found.append(href.group(2))
    return found


def render_self_contained(element: Any) -> str:
    """Render a folium ``Map`` (or any branca element) to a self-contained HTML page."""
    from pipeline.render.folium_templates import fast_templates  # imports folium: only where a map is rendered

    root = element.get_root()
    with fast_templates():
        html = root.render()
    return inline_assets(html)


def save_self_contained(element: Any, path: str | Path) -> Path:
    """Write a folium ``Map`` as a self-contained HTML file and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_self_contained(element), encoding="utf-8")
    return path
