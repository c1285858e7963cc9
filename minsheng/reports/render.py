"""One document, four formats. Each report is written once as a `Document`; these functions turn it
into HTML (also embedded in portal and staff pages), PDF (WeasyPrint from the same HTML), Word
(python-docx) and Excel (openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from minsheng.reports.charts import chart_data_uri, chart_png
from minsheng.reports.document import Chart, Document, Paragraph, Table

# Chinese official documents set headings in a sans (黑体) face and text in a serif (宋体) face.
# The Noto faces come from fonts-noto-cjk; the others are what Windows and macOS readers have, so a
# downloaded Word file still shows Chinese there.
SANS_STACK = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif'
SERIF_STACK = '"Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif'
DOCX_BODY_FONT = "Noto Serif CJK SC"
DOCX_HEADING_FONT = "Noto Sans CJK SC"

# WeasyPrint logs every layout step at INFO; a report is not worth seven log lines per render.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def format_cell(value: Any) -> str:
    """How a table cell reads in HTML, PDF and Word (Excel keeps the raw number)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "—"
    if isinstance(value, float | Decimal):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:.1f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _blocks(doc: Document) -> list[dict[str, Any]]:
    """The document flattened for the template: each block tagged with its kind, cells formatted."""
    sections = []
    for section in doc.sections:
        blocks: list[dict[str, Any]] = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                blocks.append({"kind": "paragraph", "text": block.text, "emphasis": block.emphasis})
            elif isinstance(block, Table):
                rows = [[{"text": format_cell(v), "href": block.href(r, c), "number": _is_number(v)}
                         for c, v in enumerate(row)] for r, row in enumerate(block.rows)]
                blocks.append({"kind": "table", "caption": block.caption, "columns": block.columns,
                               "rows": rows})
            elif isinstance(block, Chart):
                data = block.as_table()
                blocks.append({
                    "kind": "chart", "title": block.title,
                    "src": chart_data_uri(block),
                    "columns": data.columns,
                    "rows": [[format_cell(v) for v in row] for row in data.rows],
                })
        sections.append({"heading": section.heading, "blocks": blocks})
    return sections


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def render_html(doc: Document, *, standalone: bool = True, for_print: bool = False) -> str:
    """The document as HTML: a whole page (standalone) or a fragment to include in a portal page."""
    context = {"doc": doc, "sections": _blocks(doc), "for_print": for_print,
               "sans": SANS_STACK, "serif": SERIF_STACK}
    return render_to_string("reports/document.html" if standalone else "reports/_document.html", context)


def render_pdf(doc: Document) -> bytes:
    """A4 PDF from the same HTML; charts stay vectors (inline SVG with outlined text)."""
    from weasyprint import HTML  # imported late: loading Pango costs ~0.3 s that pages do not need

    html = render_html(doc, standalone=True, for_print=True)
    # No base_url: the HTML references nothing outside itself, so WeasyPrint never fetches anything.
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------- Word ---

def _east_asian(run_or_style_element: Any, font: str) -> None:
    """Word picks the font for Chinese characters from w:eastAsia, not from the font name python-docx
    sets; without it Word and LibreOffice fall back to a Latin face and show boxes or a wrong face."""
    from docx.oxml.ns import qn

    rpr = run_or_style_element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)


def _run(paragraph: Any, text: str, *, font: str = DOCX_BODY_FONT, bold: bool = False) -> Any:
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.name = font
    _east_asian(run._element, font)
    return run


def render_docx(doc: Document) -> bytes:
    from docx import Document as WordDocument
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    word = WordDocument()
    section = word.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4, not python-docx's US Letter
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    for name in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Caption"):
        style = word.styles[name]
        font = DOCX_BODY_FONT if name in ("Normal", "Caption") else DOCX_HEADING_FONT
        style.font.name = font
        _east_asian(style.element, font)
    word.styles["Normal"].font.size = Pt(11)
    word.core_properties.title = doc.title
    word.core_properties.author = doc.issued_by or "Minsheng"

    title = word.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, doc.title, font=DOCX_HEADING_FONT)
    if doc.subtitle:
        sub = word.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(sub, doc.subtitle)
    if doc.issued_by or doc.date:
        meta = word.add_paragraph()
        meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(meta, "  ".join(x for x in (doc.issued_by, doc.date.isoformat() if doc.date else "") if x))

    for sec in doc.sections:
        heading = word.add_paragraph(style="Heading 1")
        _run(heading, sec.heading, font=DOCX_HEADING_FONT)
        for block in sec.blocks:
            if isinstance(block, Paragraph):
                _run(word.add_paragraph(), block.text, bold=block.emphasis)
            elif isinstance(block, Table):
                if block.caption:
                    _run(word.add_paragraph(style="Caption"), block.caption)
                table = word.add_table(rows=1, cols=len(block.columns))
                table.style = "Table Grid"
                table.alignment = WD_TABLE_ALIGNMENT.CENTER
                for cell, text in zip(table.rows[0].cells, block.columns, strict=True):
                    _run(cell.paragraphs[0], text, font=DOCX_HEADING_FONT, bold=True)
                for row in block.rows:
                    cells = table.add_row().cells
                    for cell, value in zip(cells, row, strict=True):
                        para = cell.paragraphs[0]
                        if _is_number(value):
                            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                        _run(para, format_cell(value))
                word.add_paragraph()
            elif isinstance(block, Chart):
                picture = word.add_paragraph()
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture.add_run().add_picture(io.BytesIO(chart_png(block)), width=Cm(16))
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------- Excel ---

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", name).strip()[:28] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        title = f"{base[:25]} ({n})"
        n += 1
    taken.add(title.lower())
    return title


def _excel_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return str(value)


def render_xlsx(doc: Document) -> bytes:
    """One sheet per table (and per chart, with the figures behind it)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    tables: list[tuple[str, Table]] = []
    for sec in doc.sections:
        for block in sec.blocks:
            if isinstance(block, Table):
                tables.append((block.caption or sec.heading, block))
            elif isinstance(block, Chart):
                tables.append((block.title, block.as_table()))
    if not tables:
        tables.append((doc.title, Table(columns=[doc.title], rows=[[doc.subtitle]])))
    for name, table in tables:
        sheet = book.create_sheet(_sheet_title(name, taken))
        sheet.append([doc.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([name])
        sheet.append(list(table.columns))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_excel_value(v) for v in row])
            for cell in sheet[sheet.max_row]:
                # Text that starts like a formula would run as one in Excel (CSV/XLSX injection):
                # citizens' words and department names are always stored as plain text.
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                    cell.data_type = "s"
        for i, column in enumerate(table.columns, start=1):
            longest = max([len(str(column))] + [len(format_cell(r[i - 1])) for r in table.rows])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(8, longest * 2 + 2), 60)
        sheet.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
