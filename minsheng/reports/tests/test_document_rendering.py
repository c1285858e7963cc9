"""One document rendered to HTML, PDF, Word and Excel, checked the way a reader would see it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from minsheng.reports import charts
from minsheng.reports.document import Chart, Document, Paragraph, Section, Table
from minsheng.reports.render import render_docx, render_html, render_pdf, render_xlsx
from minsheng.reports.testing import (
    assert_page_shows_content,
    assert_rendered_report,
    dark_fraction,
    docx_first_page_png,
    pdf_text,
    save_artifact,
)


def sample() -> Document:
    return Document(
        title="A市政民互动工作通报",
        subtitle="2026年10月",
        issued_by="A市人民政府办公室",
        date=dt.date(2026, 11, 1),
        sections=[
            Section("总体情况", [
                Paragraph("本月共受理群众留言 128 件，回复率 96.1%。", emphasis=True),
                Table(["部门", "受理", "回复率"], [["住建局", 80, 95.0], ["生态环境局", 48, 97.9]],
                      caption="部门排名", links=[["/staff/x", None, None], [None, None, None]]),
            ]),
            Section("趋势", [
                Chart("line", "月度趋势", ["8月", "9月", "10月"], {"受理": [100, 120, 128], "办结": [90, 110, 120]}),
                Chart("heatmap", "分类×区县", ["A1区", "A2区"], {"城乡建设": [3, 1], "环境保护": [0, 4]}),
            ]),
        ],
    )


def test_a_document_survives_a_round_trip_through_json():
    doc = sample()
    assert Document.from_dict(doc.to_dict()) == doc


def test_a_table_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="expected 2"):
        Table(["a", "b"], [[1, 2, 3]])


def test_a_chart_series_must_have_one_value_per_label():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        Chart("bar", "t", ["a", "b", "c"], {"s": [1, 2]})


def test_a_heatmap_lists_its_figures_row_by_row():
    table = Chart("heatmap", "t", ["A1区", "A2区"], {"城乡建设": [3, 1]}).as_table()
    assert table.columns == ["", "A1区", "A2区"]
    assert table.rows == [["城乡建设", 3, 1]]


def test_html_shows_text_tables_links_and_charts_as_images():
    html = render_html(sample())
    assert html.startswith("<!doctype html>")
    assert "A市政民互动工作通报" in html and "本月共受理群众留言 128 件" in html
    assert '<a href="/staff/x">住建局</a>' in html
    assert html.count('<img src="data:image/svg+xml;base64,') == 2
    assert 'alt="月度趋势"' in html


def test_an_html_fragment_has_no_page_around_it():
    html = render_html(sample(), standalone=False)
    assert "<html" not in html and 'class="ms-report"' in html


def test_text_in_a_document_is_escaped_in_html():
    doc = Document(title="<script>alert(1)</script>", sections=[Section("s", [Paragraph("<b>x</b>")])])
    html = render_html(doc)
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "&lt;b&gt;x" in html


def test_charts_are_drawn_with_a_chinese_font_when_one_is_installed():
    if charts.cjk_font() is None:
        pytest.skip("no CJK font on this machine")
    assert charts.cjk_font() == "Noto Sans CJK SC"


def test_an_empty_chart_still_renders():
    png = charts.chart_png(Chart("bar", "无数据", [], {}))
    assert png.startswith(b"\x89PNG")


def test_the_pdf_is_a4_shows_the_title_and_key_figures_on_its_first_page():
    pdf = render_pdf(sample())
    assert pdf.startswith(b"%PDF")
    assert_rendered_report(pdf, name="reports-sample-pdf.png",
                           expect=["A市政民互动工作通报", "96.1%", "生态环境局", "97.9"])
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0]
    width, height = page.get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_links_are_not_printed_in_the_pdf():
    assert "/staff/x" not in pdf_text(render_pdf(sample()))


def test_the_word_file_sets_the_east_asian_font_on_every_run():
    from docx import Document as WordDocument
    from docx.oxml.ns import qn

    word = WordDocument(io.BytesIO(render_docx(sample())))
    runs = [r for p in word.paragraphs for r in p.runs if r.text]
    runs += [r for t in word.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs
    for run in runs:
        fonts = run._element.rPr.find(qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:eastAsia")), run.text
    texts = "".join(p.text for p in word.paragraphs)
    assert "A市政民互动工作通报" in texts
    assert len(word.inline_shapes) == 2  # the two charts, as pictures


def test_the_word_file_opens_in_libreoffice_and_its_first_page_shows_chinese():
    from minsheng.reports.testing import docx_to_pdf

    pdf = docx_to_pdf(render_docx(sample()))
    image = assert_rendered_report(pdf, name="reports-sample-docx.png",
                                   expect=["A市政民互动工作通报", "96.1%", "生态环境局"])
    assert dark_fraction(image) > 0.005


def test_docx_first_page_helper_gives_an_image():
    image = docx_first_page_png(render_docx(sample()))
    save_artifact(image, "reports-sample-docx-helper.png")
    assert_page_shows_content(image)


def test_a_blank_page_is_caught_by_the_content_check():
    from PIL import Image

    with pytest.raises(AssertionError, match="blank"):
        assert_page_shows_content(Image.new("RGB", (600, 800), "white"))


def test_the_workbook_has_one_sheet_per_table_and_chart_with_numbers_kept_as_numbers():
    book = load_workbook(io.BytesIO(render_xlsx(sample())))
    assert book.sheetnames == ["部门排名", "月度趋势", "分类×区县"]
    sheet = book["部门排名"]
    assert [c.value for c in sheet[3]] == ["部门", "受理", "回复率"]
    assert [c.value for c in sheet[4]] == ["住建局", 80, 95]
    assert isinstance(sheet["C5"].value, float)


def test_text_that_looks_like_a_formula_is_stored_as_text_in_excel():
    doc = Document(title="t", sections=[Section("s", [Table(["x"], [["=HYPERLINK(\"http://evil\")"], ["-1+2"]])])])
    book = load_workbook(io.BytesIO(render_xlsx(doc)))
    sheet = book.worksheets[0]
    assert sheet["A4"].data_type == "s" and sheet["A4"].value == "=HYPERLINK(\"http://evil\")"
    assert sheet["A5"].data_type == "s"


def test_sheet_names_are_made_valid_and_unique():
    doc = Document(title="t", sections=[Section("s", [Table(["x"], [[1]], caption="a/b:c*?" + "长" * 40),
                                                      Table(["x"], [[2]], caption="a/b:c*?" + "长" * 40)])])
    names = load_workbook(io.BytesIO(render_xlsx(doc))).sheetnames
    assert len(names) == 2 and len(set(names)) == 2
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
