#!/usr/bin/env python3
"""Fetch the JavaScript/CSS assets that folium maps need and vendor them.

folium loads Leaflet, jQuery, Bootstrap, Font Awesome, Leaflet.awesome-markers
and plugin code (leaflet-search for ``folium.plugins.Search``,
Leaflet.markercluster for ``folium.plugins.MarkerCluster``) from CDNs. The maps
produced by the pipeline must work with no network (hospital networks, offline
laptops), so :mod:`pipeline.render.offline` inlines local copies of these
files. This script fetches those copies, reproducibly, with ``npm pack`` (the
exact versions folium 0.20 references), keeps only the files the pages use
(minified builds, images and ``woff2`` fonts referenced from the CSS, and each
package's licence) and writes them under ``pipeline/render/assets/vendor/`` together
with ``manifest.json``, which maps every CDN URL to its local file.

Usage::

    python scripts/vendor_assets.py            # (re)vendor into pipeline/render/assets/vendor
    python scripts/vendor_assets.py --check    # verify the committed copies match npm

Requirements: ``npm`` on the PATH and access to the npm registry. The tarball
integrity (``sha512``) reported by npm is recorded in the manifest; ``--check``
re-fetches every package and fails if a vendored file differs.

Some URLs of ``folium.Map.default_css`` are not vendored on purpose and are
listed under ``"dropped"`` in the manifest: :func:`pipeline.render.offline.inline_assets`
removes their ``<link>`` tags instead of failing (see ``DROPPED`` below).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR_DIR = ROOT / "pipeline" / "render" / "assets" / "vendor"

MIT_AWESOME_MARKERS = """\
Leaflet.awesome-markers 2.0.2 (npm package drmonty-leaflet-awesome-markers@2.0.2,
a repackaging of https://github.com/lvoogdt/Leaflet.awesome-markers).
The package declares the MIT licence (package.json "licenses") but ships no
licence file; the upstream MIT licence text follows.

The MIT License (MIT)

Copyright (c) 2012-2013 Lennard Voogdt

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


@dataclass
class Package:
    """One npm package to vendor.

    Parameters
    ----------
    spec
        ``name@version`` passed to ``npm pack``.
    directory
        Folder name under ``pipeline/render/assets/vendor/``.
    files
        Paths inside the tarball's ``package/`` folder to copy (kept relative,
        so that ``url(...)`` references in the CSS still resolve).
    urls
        CDN URL -> path (one of ``files``) that replaces it.
    licence_text
        Licence text to write as ``LICENSE.txt`` when the package ships none.
    """

    spec: str
    directory: str
    files: list[str]
    urls: dict[str, str]
    licence_text: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


PACKAGES: list[Package] = [
    Package(
        "leaflet@1.9.3",
        "leaflet-1.9.3",
        [
            "LICENSE",
            "dist/leaflet.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
        ],
        {
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "dist/leaflet.js",
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "dist/leaflet.css",
        },
    ),
    Package(
        "jquery@3.7.1",
        "jquery-3.7.1",
        ["LICENSE.txt", "dist/jquery.min.js"],
        {"https://code.jquery.com/jquery-3.7.1.min.js": "dist/jquery.min.js"},
    ),
    Package(
        "bootstrap@5.2.2",
        "bootstrap-5.2.2",
        ["LICENSE", "dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"],
        {
            "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
                "dist/js/bootstrap.bundle.min.js"
            ),
            "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": ("dist/css/bootstrap.min.css"),
        },
    ),
    Package(
        "@fortawesome/fontawesome-free@6.2.0",
        "fontawesome-free-6.2.0",
        [
            "LICENSE.txt",
            "css/all.min.css",
            # woff2 only: every browser that runs Leaflet 1.9 reads woff2; the
            # .ttf fallbacks referenced by the CSS are dropped when inlining.
            "webfonts/fa-brands-400.woff2",
            "webfonts/fa-regular-400.woff2",
            "webfonts/fa-solid-900.woff2",
            "webfonts/fa-v4compatibility.woff2",
        ],
        {"https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": "css/all.min.css"},
    ),
    Package(
        "drmonty-leaflet-awesome-markers@2.0.2",
        "leaflet.awesome-markers-2.0.2",
        [
            "js/leaflet.awesome-markers.min.js",
            "css/leaflet.awesome-markers.css",
            "css/images/markers-soft.png",
            "css/images/markers-soft@2x.png",
            "css/images/markers-shadow.png",
            "css/images/markers-shadow@2x.png",
        ],
        {
            # The CDN serves the non-minified build; the minified one is equivalent.
            "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (
                "js/leaflet.awesome-markers.min.js"
            ),
            "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (
                "css/leaflet.awesome-markers.css"
            ),
        },
        licence_text=MIT_AWESOME_MARKERS,
    ),
    Package(
        "leaflet-search@2.9.7",
        "leaflet-search-2.9.7",
        [
            "license.txt",
            "dist/leaflet-search.min.js",
            "dist/leaflet-search.min.css",
            "images/search-icon.png",
            "images/loader.gif",
        ],
        {
            "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js": (
                "dist/leaflet-search.min.js"
            ),
            "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css": (
                "dist/leaflet-search.min.css"
            ),
        },
    ),
    Package(
        # Leaflet.markercluster: folium.plugins.MarkerCluster (clustered establishments).
        "leaflet.markercluster@1.1.0",
        "leaflet.markercluster-1.1.0",
        [
            "MIT-LICENCE.txt",
            "dist/leaflet.markercluster.js",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
        ],
        {
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
                "dist/leaflet.markercluster.js"
            ),
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
                "dist/MarkerCluster.css"
            ),
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
                "dist/MarkerCluster.Default.css"
            ),
        },
    ),
]

#: CDN URLs referenced by folium 0.20 that are deliberately not vendored. Their
#: ``<link>`` tags are removed by :func:`pipeline.render.offline.inline_assets`.
DROPPED: dict[str, str] = {
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": (
        "Police de glyphes Bootstrap 3 (icônes 'glyphicon' des marqueurs) : non publiée sur npm, "
        "les cartes du pipeline ne l'utilisent pas."
    ),
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": (
        "Rotation des icônes awesome-markers (paramètre angle de folium.Icon) : hors npm, "
        "non utilisée par les cartes du pipeline."
    ),
}


def _npm_pack(spec: str, dest: Path) -> tuple[Path, str]:
    """Run ``npm pack`` and return the tarball path and its npm integrity string."""
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out)[0]
    return dest / info["filename"], info["integrity"]


def _extract(tarball: Path, dest: Path) -> Path:
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(target: Path, check: bool = False) -> int:
    """Fetch every package and copy (or, with ``check``, compare) the files.

    Returns
    -------
    int
        Process exit code: 0 when everything matches or was written.
    """
    manifest: dict[str, object] = {
        "comment": "Généré par scripts/vendor_assets.py ; ne pas modifier à la main.",
        "packages": {},
        "assets": {},
        "dropped": DROPPED,
    }
    mismatches: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        for pkg in PACKAGES:
            tarball, integrity = _npm_pack(pkg.spec, tmpdir)
            src = _extract(tarball, tmpdir / pkg.directory)
            out_dir = target / pkg.directory
            files: dict[str, str] = {}
            for rel in pkg.files:
                source = src / rel
                dest = out_dir / rel
                if check:
                    if not dest.exists() or _sha256(dest) != _sha256(source):
                        mismatches.append(f"{pkg.directory}/{rel}")
                else:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, dest)
                files[rel] = _sha256(source)
            if pkg.licence_text is not None:
                lic = out_dir / "LICENSE.txt"
                if check:
                    if not lic.exists() or lic.read_text(encoding="utf-8") != pkg.licence_text:
                        mismatches.append(f"{pkg.directory}/LICENSE.txt")
                else:
                    lic.write_text(pkg.licence_text, encoding="utf-8")
            manifest["packages"][pkg.spec] = {  # type: ignore[index]
                "directory": pkg.directory,
                "integrity": integrity,
                "files": files,
            }
            for url, rel in pkg.urls.items():
                manifest["assets"][url] = f"{pkg.directory}/{rel}"  # type: ignore[index]
    text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    manifest_path = target / "manifest.json"
    if check:
        if not manifest_path.exists() or manifest_path.read_text(encoding="utf-8") != text:
            mismatches.append("manifest.json")
        for item in mismatches:
            print(f"différent : {item}", file=sys.stderr)
        return 1 if mismatches else 0
    target.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(text, encoding="utf-8")
    total = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"{len(PACKAGES)} paquets copiés dans {target} ({total / 1024:.0f} Kio)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the vendored copies instead of writing")
    parser.add_argument("--target", type=Path, default=VENDOR_DIR, help="output folder")
    args = parser.parse_args(argv)
    return vendor(args.target, check=args.check)


if __name__ == "__main__":
    raise SystemExit(main())
