"""Charts drawn on the server with matplotlib (Agg), so every format shows the same picture and no
browser has to download a charting library.

The Chinese font is looked up in matplotlib's font list (fonts-noto-cjk on Debian); without any CJK
font the chart still renders (with Latin glyphs and boxes for Chinese) and a warning is logged once,
rather than failing a report because a server lacks a font package.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import logging
import math
import re
import threading
from dataclasses import asdict
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no display on a server

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from minsheng.reports.document import Chart

logger = logging.getLogger(__name__)

# In order of preference; the first one matplotlib knows is used. Noto Sans CJK SC is what
# fonts-noto-cjk installs; the others are what Chinese desktops and servers commonly have.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "Noto Sans CJK JP")
# Government report colours: sober, distinguishable in greyscale print.
PALETTE = ("#1f4e79", "#c0392b", "#2e8b57", "#d68910", "#6c3483", "#5d6d7e", "#117a65", "#a04000")


@functools.cache
def cjk_font() -> str | None:
    """Name of the CJK font matplotlib will use, or None when the machine has none."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    if not known.intersection(CJK_FONTS):
        # matplotlib keeps the font list it found on first use in a cache file (~/.cache/matplotlib)
        # and does not look again: a font package installed after that (fonts-noto-cjk added to a
        # running host, or by CI after an earlier run) stays invisible. Add the system fonts the
        # cached list does not have.
        listed = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in listed:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file is skipped
                    continue
        known = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in known:
            return name
    logger.warning("No CJK font found for charts (install fonts-noto-cjk); Chinese labels will show as boxes")
    return None


def _font_family() -> list[str]:
    name = cjk_font()
    return [name, "DejaVu Sans"] if name else ["DejaVu Sans"]


def _fmt(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f}%"
    if float(value).is_integer():
        return f"{int(value)}{unit}"
    return f"{value:.1f}{unit}"


def _num(value: float | None) -> float:
    """None (a rate with nothing to rate) is a gap in a line and an empty bar, never a zero."""
    return math.nan if value is None else float(value)


def _tick(value: float, unit: str) -> str:
    return f"{value:.0f}{unit}" if float(value).is_integer() else f"{value:.1f}{unit}"


def _figure(chart: Chart) -> Figure:
    rc: Any = {"font.family": _font_family(), "font.size": 9, "axes.unicode_minus": False,
          "svg.fonttype": "path", "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(rc):
        n = max(len(chart.labels), 1)
        if chart.kind == "hbar":
            size = (7.0, min(1.2 + 0.32 * n, 9.0))
        elif chart.kind == "heatmap":
            rows = max(len(chart.series), 1)
            size = (min(2.0 + 0.75 * n, 9.0), min(1.4 + 0.42 * rows, 9.0))
        else:
            size = (7.0, 3.4)
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(chart.title, fontsize=11, loc="left")
        if chart.is_empty:
            ax.text(0.5, 0.5, "—", ha="center", va="center", fontsize=20, color="#999999",
                    transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        if chart.kind == "heatmap":
            _heatmap(fig, ax, chart)
        else:
            _bars_or_lines(ax, chart)
        return fig


def _bars_or_lines(ax, chart: Chart) -> None:  # type: ignore[no-untyped-def]
    names = list(chart.series)
    positions = list(range(len(chart.labels)))
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        values = [_num(v) for v in chart.series[name]]
        colour = PALETTE[i % len(PALETTE)]
        if chart.kind == "line":
            ax.plot(positions, values, marker="o", markersize=3, color=colour, label=name)
        elif chart.kind == "bar":
            offs = [p - 0.4 + width * (i + 0.5) for p in positions]
            ax.bar(offs, values, width=width, color=colour, label=name)
        else:  # hbar: first label on top, like a ranking
            offs = [p - 0.4 + width * (i + 0.5) for p in positions]
            bars = ax.barh(offs, values, height=width, color=colour, label=name)
            if len(names) == 1:
                ax.bar_label(bars, labels=["" if math.isnan(v) else _fmt(v, chart.unit) for v in values],
                             padding=2, fontsize=8)
    if chart.kind == "hbar":
        ax.set_yticks(positions, chart.labels)
        ax.invert_yaxis()
        value_axis = ax.xaxis
    else:
        ax.set_xticks(positions, chart.labels)
        if len(chart.labels) > 8 or max(len(label) for label in chart.labels) > 6:
            ax.tick_params(axis="x", labelrotation=45)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
        value_axis = ax.yaxis
    value_axis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick(v, chart.unit)))
    set_limits = ax.set_xlim if chart.kind == "hbar" else ax.set_ylim
    if chart.unit == "%":
        set_limits(0, 105)
    elif all(v is None or float(v) >= 0 for values in chart.series.values() for v in values):
        set_limits(bottom=0) if chart.kind != "hbar" else set_limits(left=0)  # an axis cut above 0 exaggerates
    ax.grid(axis="x" if chart.kind == "hbar" else "y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if len(names) > 1:
        ax.legend(frameon=False, fontsize=8)


def _heatmap(fig: Figure, ax, chart: Chart) -> None:  # type: ignore[no-untyped-def]
    rows = list(chart.series)
    matrix = [[_num(v) for v in chart.series[r]] for r in rows]
    top = max((v for row in matrix for v in row if not math.isnan(v)), default=0.0) or 1.0
    image = ax.imshow(matrix, cmap="YlOrRd", aspect="auto", vmin=0, vmax=top)
    ax.set_xticks(range(len(chart.labels)), chart.labels)
    ax.set_yticks(range(len(rows)), rows)
    ax.tick_params(axis="x", labelrotation=30 if len(chart.labels) > 4 else 0)
    ax.spines[:].set_visible(False)
    for y, row in enumerate(matrix):
        for x, v in enumerate(row):
            if math.isnan(v):
                continue
            ax.text(x, y, _fmt(v, chart.unit), ha="center", va="center", fontsize=8,
                    color="white" if v > top * 0.6 else "#222222")
    fig.colorbar(image, ax=ax, shrink=0.8)


def _key(chart: Chart) -> str:
    return json.dumps(asdict(chart), ensure_ascii=False, default=str)  # series order is the legend order


# rc_context changes matplotlib's global settings; the worker runs tasks in threads, so two charts
# drawn at once must not see each other's settings.
_DRAWING = threading.Lock()


@functools.lru_cache(maxsize=256)
def _svg_cached(key: str) -> str:
    chart = Chart(**json.loads(key))
    buf = io.StringIO()
    with _DRAWING, matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "minsheng"}):
        fig = _figure(chart)
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    # Drop the XML prolog and DOCTYPE so the SVG can sit inline in HTML; keep the drawing itself.
    return re.sub(r"^.*?(<svg\b)", r"\1", svg, count=1, flags=re.S)


@functools.lru_cache(maxsize=256)
def _png_cached(key: str, dpi: int) -> bytes:
    chart = Chart(**json.loads(key))
    buf = io.BytesIO()
    with _DRAWING:
        fig = _figure(chart)
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def chart_svg(chart: Chart) -> str:
    """SVG markup (text drawn as outlines so it shows the same without the font)."""
    return _svg_cached(_key(chart))


def chart_data_uri(chart: Chart) -> str:
    """The SVG as a data: URI for an <img>. An image rather than inline markup: matplotlib's ids and
    <style> would otherwise collide between two charts on one page and leak into the page's CSS."""
    return "data:image/svg+xml;base64," + base64.b64encode(chart_svg(chart).encode()).decode("ascii")


def chart_png(chart: Chart, dpi: int = 150) -> bytes:
    return _png_cached(_key(chart), dpi)
