"""A sparkline: one polyline in a tiny inline SVG.

The topic list shows one per row; drawing thirty matplotlib figures per page (the charts of
`minsheng.reports.charts`) would take seconds, while a polyline is a few hundred bytes of text.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def sparkline_svg(values: Sequence[float], *, width: int = 120, height: int = 24, label: str = "") -> str:
    if not values:
        return ""
    top = max(values) or 1.0
    step = width / max(1, len(values) - 1)
    points = " ".join(
        f"{k * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for k, v in enumerate(values)
    )
    title = escape(label or " ".join(f"{v:g}" for v in values))
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>'
        f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{points}"/></svg>'
    )
