"""A printed map's title within the figure's width: measured lines, smaller type, then « … ».

A title is wrapped at spaces by measuring each line, not by counting
characters: a label of long commune names (« Bourg-en-Bresse, Péronnas,
Saint-Denis-lès-Bourg, Viriat et 4 autres communes ») ran off the right edge
at 80 characters. Lines are measured at every resolution the map is drawn at:
Agg's hinting makes a line up to 4 % wider at one resolution than at another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from pipeline.render.glyphs import drawable

#: Lines of a map's title at most (a third would run into the map).
TITLE_LINES = 2
#: Font sizes of a map's title (points), tried in turn until it fits in :data:`TITLE_LINES` lines.
TITLE_SIZES = (12.5, 11.0, 9.5)
ELLIPSIS = "…"


def figure_renderer(fig: Figure) -> RendererAgg:
    """The Agg renderer of ``fig`` (text extents need one)."""
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


def fit_title(artist: Text, title: str, right: float, resolutions: Sequence[float] = (),
              max_lines: int = TITLE_LINES, sizes: Sequence[float] = TITLE_SIZES) -> str:
    """Write ``title`` in ``artist`` wrapped at spaces so that each line ends left of ``right`` (figure fraction).

    A title longer than ``max_lines`` lines is set in the next smaller of
    ``sizes``; at the smallest, the last line is cut at a word boundary and
    ends with « … » (a single word wider than a line is cut alike). Lines are
    measured at the figure's resolution and at each of ``resolutions`` (dots
    per inch). Returns the text written.
    """
    title = drawable(title, artist.get_fontproperties())
    lines: list[str] = []
    for size in sizes:
        artist.set_fontsize(size)
        fits = _fits(artist, right, resolutions)
        lines = []
        for word in title.split():
            if lines and fits(f"{lines[-1]} {word}"):
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        if len(lines) <= max_lines and all(fits(line) for line in lines):
            break
    else:
        cut = len(lines) > max_lines
        lines = [line if fits(line) else _with_ellipsis(line, fits) for line in lines[:max_lines]]
        if cut and not lines[-1].endswith(ELLIPSIS):
            lines[-1] = _with_ellipsis(lines[-1], fits)
    text = "\n".join(lines)
    artist.set_text(text)
    return text


def left_edge(artist: Text, resolutions: Sequence[float] = ()) -> float:
    """The leftmost edge of ``artist``'s text (figure fraction) at the figure's resolution and ``resolutions``."""
    return min(probe.get_window_extent(renderer).x0 / width for probe, renderer, width in _probes(artist, resolutions))


def _fits(artist: Text, right: float, resolutions: Sequence[float]) -> Callable[[str], bool]:
    """Whether a line set as ``artist`` ends left of ``right`` (figure fraction) at every resolution."""
    probes = _probes(artist, resolutions)

    def fits(line: str) -> bool:
        for probe, renderer, width in probes:
            probe.set_text(line)
            if probe.get_window_extent(renderer).x1 > right * width:
                return False
        return True

    return fits


def _probes(artist: Text, resolutions: Sequence[float]) -> list[tuple[Text, RendererAgg, float]]:
    """Copies of ``artist`` (text, font, place, alignment) in figures of its size, one per resolution, with
    their renderer and the figure's width in pixels."""
    fig = artist.get_figure()
    assert isinstance(fig, Figure)
    probes = []
    for dpi in sorted({float(fig.dpi), *(float(r) for r in resolutions)}):
        scratch = Figure(figsize=tuple(fig.get_size_inches()), dpi=dpi)
        probe = scratch.text(*artist.get_position(), artist.get_text(), fontproperties=artist.get_fontproperties(),
                             ha=artist.get_horizontalalignment(), va=artist.get_verticalalignment())
        probes.append((probe, figure_renderer(scratch), float(scratch.bbox.width)))
    return probes


def _with_ellipsis(line: str, fits: Callable[[str], bool]) -> str:
    """``line`` ending with « … », cut at the last word boundary where it fits (within its word if none does)."""
    words = line.split(" ")
    while len(words) > 1:
        candidate = " ".join(words).rstrip(" ,;:–-") + ELLIPSIS
        if fits(candidate):
            return candidate
        words.pop()
    word = words[0]
    while len(word) > 1 and not fits(word + ELLIPSIS):
        word = word[:-1]
    return word + ELLIPSIS
