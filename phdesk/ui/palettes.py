"""Colour-blind-safe palettes, class breaks and the WCAG contrast check for maps and charts.

Why it exists: every colour the map and the charts use comes from here, so one place decides that
colour is never the only cue (categories also get a marker shape), that sequential ramps get darker
as values rise (monotone in lightness, readable in greyscale), and that text stays readable
(``contrast_ratio`` >= 4.5 against its background, WCAG 2.1 AA). Pure Python + numpy; no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RGB = tuple[int, int, int]

# Sequential ramps, low -> high. viridis/cividis run dark -> light in their published form; maps
# read "darker = more", so they are stored reversed (light for low values, dark for high).
_VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884",
            "#44bf70", "#7ad151", "#bddf26", "#fde725"]
_CIVIDIS = ["#00224e", "#123570", "#3b496c", "#575d6d", "#707173", "#8a8779", "#a69d75",
            "#c4b56c", "#e4cf5b", "#fee838"]
_YLGNBU = ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8",
           "#253494", "#081d58"]
SEQUENTIAL: dict[str, list[str]] = {
    "viridis": _VIRIDIS[::-1],
    "cividis": _CIVIDIS[::-1],
    "YlGnBu": _YLGNBU,
}
# Diverging ramps, low -> centre -> high (ColorBrewer PuOr / BrBG): purple/teal low, orange/brown
# high, near-white centre. Both are safe for the common colour-vision deficiencies.
DIVERGING: dict[str, list[str]] = {
    "PuOr": ["#2d004b", "#542788", "#8073ac", "#b2abd2", "#d8daeb", "#f7f7f7", "#fee0b6",
             "#fdb863", "#e08214", "#b35806", "#7f3b08"],
    "BrBG": ["#003c30", "#01665e", "#35978f", "#80cdc1", "#c7eae5", "#f5f5f5", "#f6e8c3",
             "#dfc27d", "#bf812d", "#8c510a", "#543005"],
}
# Categorical: Okabe-Ito (8) then four of Paul Tol's "muted" colours; each category also gets a
# distinct marker shape (pyqtgraph symbol names) so colour is never the only cue.
CATEGORICAL = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
               "#000000", "#882255", "#44AA99", "#999933", "#332288"]
SYMBOLS = ["o", "s", "t", "d", "p", "h", "star", "t1", "+", "x", "t2", "t3"]
NO_DATA = "#d9d9d9"   # areas with no value: light grey, distinct from every ramp's ends
TEXT = "#1a1a1a"       # body text on white: contrast 17.4:1
MUTED_TEXT = "#4d4d4d"  # secondary text on white: 8.5:1


def to_rgb(colour: str | Sequence[int]) -> RGB:
    """'#rrggbb' (or an (r, g, b) 0..255 sequence) -> (r, g, b) ints."""
    if isinstance(colour, str):
        s = colour.lstrip("#")
        if len(s) == 3:
            s = "".join(c * 2 for c in s)
        if len(s) != 6:
            raise ValueError(f"not a #rrggbb colour: {colour!r}")
        return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
    r, g, b = (int(v) for v in list(colour)[:3])
    return r, g, b


def to_hex(rgb: Sequence[float]) -> str:
    r, g, b = (int(round(min(255, max(0, v)))) for v in rgb[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def relative_luminance(colour: str | Sequence[int]) -> float:
    """WCAG 2.1 relative luminance, 0 (black) .. 1 (white)."""
    c = np.array(to_rgb(colour), dtype=float) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2])


def contrast_ratio(fg: str | Sequence[int], bg: str | Sequence[int]) -> float:
    """WCAG contrast ratio (1..21) between two colours; >= 4.5 passes AA for body text."""
    a, b = relative_luminance(fg), relative_luminance(bg)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def lightness(colour: str | Sequence[int]) -> float:
    """CIE L* (0..100) of an sRGB colour (D65): how light it looks, used to check ramps."""
    y = relative_luminance(colour)
    return float(116 * np.cbrt(y) - 16 if y > 216 / 24389 else y * 24389 / 27)


def text_colour_on(bg: str | Sequence[int]) -> str:
    """Black-ish or white text, whichever contrasts more with ``bg``."""
    return TEXT if contrast_ratio(TEXT, bg) >= contrast_ratio("#ffffff", bg) else "#ffffff"


def ramp(stops: Sequence[str], n: int) -> list[str]:
    """``n`` colours evenly spaced along a ramp (linear in RGB between the stops)."""
    if n <= 0:
        return []
    rgb = np.array([to_rgb(s) for s in stops], dtype=float)
    pos = np.linspace(0, 1, len(stops))
    at = np.linspace(0, 1, n) if n > 1 else np.array([0.5])
    return [to_hex([np.interp(t, pos, rgb[:, k]) for k in range(3)]) for t in at]


def sequential(n: int, name: str = "viridis") -> list[str]:
    """``n`` sequential colours, light (low) -> dark (high)."""
    return ramp(SEQUENTIAL[name], n)


def diverging(n: int, name: str = "PuOr") -> list[str]:
    """``n`` diverging colours, low -> neutral -> high (odd ``n``: neutral in the middle)."""
    return ramp(DIVERGING[name], n)


def category_style(index: int) -> tuple[str, str]:
    """(colour, marker symbol) for the ``index``-th category; the pair repeats only after 144."""
    colour = CATEGORICAL[index % len(CATEGORICAL)]
    symbol = SYMBOLS[(index + index // len(CATEGORICAL)) % len(SYMBOLS)]
    return colour, symbol


def category_styles(names: list[str]) -> dict[str, tuple[str, str]]:
    """(colour, marker symbol) per category, from its name, so a category looks the same in
    every project ("Pharmacy" is always the same colour and shape). The style's index is a
    stable hash of the normalised name (CRC-32, not Python's per-run ``hash``); two names of one
    project that land on the same style take the next free one, in name order."""
    import zlib

    styles = len(CATEGORICAL) * len(SYMBOLS)
    taken: set[int] = set()
    out: dict[str, tuple[str, str]] = {}
    for name in sorted({str(n) for n in names}, key=lambda n: (n.casefold(), n)):
        key = " ".join(name.casefold().replace("'", "").split())
        index = zlib.crc32(key.encode("utf-8")) % styles
        while index in taken and len(taken) < styles:
            index = (index + 1) % styles
        taken.add(index)
        out[name] = category_style(index)
    return out


# ---- class breaks -------------------------------------------------------------------------

BREAK_METHODS = ("quantiles", "equal interval", "natural")


def class_breaks(values, k: int = 5, method: str = "quantiles") -> np.ndarray:
    """Class edges for a choropleth: ``k + 1`` increasing numbers from the minimum to the maximum.

    ``method``: "quantiles" (equal counts), "equal interval" or "natural" (1-D k-means started
    from the quantiles: classes follow gaps in the data, a fast stand-in for Jenks). Fewer
    classes are returned when the data has fewer distinct values. NaNs are ignored; an empty or
    all-NaN input gives an empty array.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.array([], dtype=float)
    lo, hi = float(v.min()), float(v.max())
    uniq = np.unique(v)
    if uniq.size <= k:
        # one class per distinct value: edges halfway between them, outer edges at the data ends
        mids = (uniq[:-1] + uniq[1:]) / 2
        return np.concatenate([[lo], mids, [hi]]) if uniq.size > 1 else np.array([lo, hi])
    if method == "equal interval":
        edges = np.linspace(lo, hi, k + 1)
    elif method == "quantiles":
        edges = np.quantile(v, np.linspace(0, 1, k + 1))
    elif method == "natural":
        edges = _kmeans_edges(v, k, lo, hi)
    else:
        raise ValueError(f"unknown class break method {method!r}; use one of {BREAK_METHODS}")
    edges = np.unique(edges)
    edges[0], edges[-1] = lo, hi
    return edges


def _kmeans_edges(v: np.ndarray, k: int, lo: float, hi: float) -> np.ndarray:
    # Lloyd's algorithm in one dimension, on a sorted sample (enough for class edges).
    s = np.sort(v)
    if s.size > 20_000:
        s = s[np.linspace(0, s.size - 1, 20_000).astype(int)]
    centres = np.quantile(s, (np.arange(k) + 0.5) / k)
    for _ in range(50):
        edges = (centres[:-1] + centres[1:]) / 2
        label = np.searchsorted(edges, s)
        sums = np.bincount(label, weights=s, minlength=k)
        counts = np.bincount(label, minlength=k)
        new = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
        if np.allclose(new, centres):
            break
        centres = np.sort(new)
    return np.concatenate([[lo], (centres[:-1] + centres[1:]) / 2, [hi]])


def classify(values, edges: np.ndarray) -> np.ndarray:
    """Class index (0 .. len(edges) - 2) of each value; -1 for NaN or when there are no edges.

    The top edge is inclusive so the maximum falls in the last class.
    """
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, -1, dtype=np.int64)
    if len(edges) < 2:
        return out
    ok = np.isfinite(v)
    out[ok] = np.clip(np.searchsorted(edges[1:-1], v[ok], side="right"), 0, len(edges) - 2)
    return out


def format_value(x: float) -> str:
    """Short, readable number for legends and tooltips (thousands separators, 3 significant)."""
    if not np.isfinite(x):
        return "no data"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100 or x == int(x):
        return f"{x:.0f}" if x == int(x) else f"{x:.1f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def legend_labels(edges: np.ndarray) -> list[str]:
    """'a – b' labels, one per class."""
    return [f"{format_value(a)} – {format_value(b)}" for a, b in zip(edges[:-1], edges[1:],
                                                                   strict=True)]


if __name__ == "__main__":
    for name in SEQUENTIAL:
        cols = sequential(7, name)
        print(name, cols, [round(lightness(c)) for c in cols])
    for name in DIVERGING:
        print(name, diverging(7, name))
    print("text on white", round(contrast_ratio(TEXT, "#ffffff"), 1))
    rng = np.random.default_rng(1)
    data = rng.lognormal(3, 1, 1000)
    for m in BREAK_METHODS:
        print(m, legend_labels(class_breaks(data, 5, m)))
