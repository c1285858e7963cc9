"""A small document model that every report is written in once, then rendered to HTML, PDF, DOCX and
XLSX by `minsheng.reports.render`.

Blocks are plain dataclasses so a report can be stored as JSON (`Document.to_dict` / `from_dict`) and
rendered again later exactly as it was issued, even after the numbers behind it have changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ChartKind = Literal["line", "bar", "hbar", "heatmap"]
CHART_KINDS: tuple[str, ...] = ("line", "bar", "hbar", "heatmap")


@dataclass
class Paragraph:
    text: str
    # A lead paragraph (摘要) is set apart: bold in Word, emphasised in HTML.
    emphasis: bool = False


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""
    # Optional hrefs, same shape as `rows` (None: no link). Only HTML uses them (drill-down).
    links: list[list[str | None]] | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        for row in self.rows:
            if len(row) != width:
                raise ValueError(f"table row has {len(row)} cells, expected {width}: {row!r}")
        if self.links is not None and len(self.links) != len(self.rows):
            raise ValueError("links must have one row per table row")

    def href(self, row: int, col: int) -> str | None:
        if self.links is None:
            return None
        cells = self.links[row]
        return cells[col] if col < len(cells) else None


@dataclass
class Chart:
    """A chart drawn on the server (matplotlib) for every format.

    line / bar / hbar: `labels` are the categories (x axis; y axis for hbar) and `series` maps a
    legend name to one value per label.
    heatmap: `labels` are the column labels and `series` maps each ROW label to one value per column,
    so the same two fields describe a matrix (rows keep the insertion order of the dict).
    `unit` is shown on the value axis ("%" draws values 0..100 as percentages).
    """

    kind: ChartKind
    title: str
    labels: list[str]
    series: dict[str, list[float | None]]  # None: no value (a gap, not a zero)
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")
        for name, values in self.series.items():
            if len(values) != len(self.labels):
                raise ValueError(f"series {name!r} has {len(values)} values for {len(self.labels)} labels")

    @property
    def is_empty(self) -> bool:
        return not self.labels or not self.series

    def as_table(self) -> Table:
        """The numbers behind the chart, for screen readers, Excel and anyone who wants the figures."""
        if self.kind == "heatmap":
            return Table(columns=["", *self.labels], rows=[[row, *vals] for row, vals in self.series.items()],
                         caption=self.title)
        names = list(self.series)
        return Table(columns=["", *names],
                     rows=[[label, *(self.series[n][i] for n in names)] for i, label in enumerate(self.labels)],
                     caption=self.title)


Block = Paragraph | Table | Chart


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)
    issued_by: str = ""
    date: dt.date | None = None

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; numbers stay numbers, the date becomes ISO text."""
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "issued_by": self.issued_by,
            "date": self.date.isoformat() if self.date else None,
            "sections": [
                {"heading": s.heading,
                 "blocks": [{"type": type(b).__name__.lower(), **_json_ready(asdict(b))} for b in s.blocks]}
                for s in self.sections
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        sections = []
        for s in data.get("sections", []):
            blocks: list[Block] = []
            for b in s.get("blocks", []):
                b = dict(b)
                kind = b.pop("type")
                if kind == "paragraph":
                    blocks.append(Paragraph(**b))
                elif kind == "table":
                    blocks.append(Table(**b))
                elif kind == "chart":
                    blocks.append(Chart(**b))
                else:
                    raise ValueError(f"unknown block type {kind!r}")
            sections.append(Section(heading=s["heading"], blocks=blocks))
        date = dt.date.fromisoformat(data["date"]) if data.get("date") else None
        return cls(title=data["title"], subtitle=data.get("subtitle", ""), sections=sections,
                   issued_by=data.get("issued_by", ""), date=date)


def _json_ready(value: Any) -> Any:
    """Decimals and dates inside table cells become JSON numbers and text."""
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
