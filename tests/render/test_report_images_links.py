"""The report's printed images and links: only inline PNG and relative or web links get through; long lists
wrap inside their column (issue 14, item 1)."""

from __future__ import annotations

import base64

from pipeline.render.report import breakable, render_report, safe_href, safe_image_source
from tests.french_spacing import as_typed

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def test_only_inline_png_images() -> None:
    assert safe_image_source(PNG) == PNG
    for bad in ("http://exemple.invalid/carte.png", "file:///etc/passwd", "javascript:alert(1)",
                "data:image/svg+xml;base64,PHN2Zz4=", 'data:image/png;base64,AAA" onerror="alert(1)', None, 3):
        assert safe_image_source(bad) is None, bad


def test_only_relative_or_web_links() -> None:
    assert safe_href("carte.html") == "carte.html"
    assert safe_href("https://www.insee.fr/") == "https://www.insee.fr/"
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)", "file:///etc/passwd", "/etc/passwd",
                "//exemple.invalid/x", "data:text/html,x", "", None):
        assert safe_href(bad) is None, bad


def test_images_and_links_render_escaped() -> None:
    context = {
        "title": "Diagnostic", "links": [{"href": "carte.html", "text": "Carte <b>interactive</b>"},
                                         {"href": "javascript:alert(1)", "text": "piège"}],
        "sections": [{"title": "Territoire", "paragraphs": ["Texte."],
                      "images": [{"title": "Carte", "src": PNG, "alt": '"><script>', "source": "IGN 2024"},
                                 {"title": "Distante", "src": "http://exemple.invalid/x.png"}],
                      "links": [{"href": "flux.html", "text": "Flux"}]}],
    }
    page = render_report(context)
    assert page.count("<img ") == 1 and f'src="{PNG}"' in page
    assert 'alt="&#34;&gt;&lt;script&gt;"' in page and "<script>" not in page.split("<body>", 1)[1]
    assert "Source : IGN 2024" in as_typed(page)
    assert '<a href="carte.html">Carte &lt;b&gt;interactive&lt;/b&gt;</a>' in page
    assert "javascript:" not in page and "piège" not in page
    assert '<a href="flux.html">Flux</a>' in page
    # The section's links, then its image, come right after its paragraphs.
    assert page.index("Texte.") < page.index('href="flux.html"') < page.index("<img ")


def test_lists_without_spaces_get_break_opportunities() -> None:
    assert breakable("13001,13002,13003") == "13001,<wbr>13002,<wbr>13003"
    assert breakable("QPV A;QPV B") == "QPV A;<wbr>QPV B"
    # Escaped, and no character added to the text (a zero-width space stayed in a copied name, a review).
    assert breakable('=HYPERLINK("x",<b>)') == "=HYPERLINK(&#34;x&#34;,<wbr>&lt;b&gt;)"
    # A French decimal comma stays glued: « 23,8 » is a number, not a list.
    assert breakable("23,8 %") == "23,8 %" and breakable("1 234,56") == "1 234,56"
    assert breakable("a, b ; c") == "a, b ; c"  # already breakable: unchanged
    assert breakable("28/02/2026") == "28/02/2026"  # dates are not lists
