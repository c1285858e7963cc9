"""Helpers for tests that look at rendered reports the way a reader would: the first page as an
image, the text a PDF reader extracts, and whether the page shows anything at all.

Used by the report tests of every app (metrics 通报, opinion reports). The images are saved under
artifacts/reports/ so a person can open them and check that Chinese renders as glyphs, not boxes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"


def soffice() -> str | None:
    """Path of LibreOffice's command, or None (tests then skip unless MINSHENG_REQUIRE_BROWSER=1)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The soffice path, skipping the calling test when it is missing, except in CI where
    MINSHENG_REQUIRE_BROWSER=1 makes a missing LibreOffice a failure instead of a silent skip."""
    import pytest

    path = soffice()
    if path is None:
        if os.environ.get("MINSHENG_REQUIRE_BROWSER") == "1":
            pytest.fail("LibreOffice (soffice) is required when MINSHENG_REQUIRE_BROWSER=1")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


def pdf_page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def pdf_text(pdf: bytes, pages: int | None = None) -> str:
    """The text a reader would copy out of the PDF (all pages, or the first `pages`)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        count = len(document) if pages is None else min(pages, len(document))
        parts = []
        for i in range(count):
            page = document[i]
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(parts)
    finally:
        document.close()


def pdf_first_page_png(pdf: bytes, scale: float = 1.5) -> Image.Image:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=scale).to_pil()
        page.close()
        return image.convert("RGB")
    finally:
        document.close()


def docx_to_pdf(docx: bytes, timeout: int = 120) -> bytes:
    """Converts with LibreOffice in a private profile directory: two conversions sharing the default
    profile (parallel tests, a desktop LibreOffice open) would block each other or fail."""
    command = require_soffice()
    with tempfile.TemporaryDirectory(prefix="minsheng-soffice-") as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(docx)
        profile = Path(tmp) / "profile"
        subprocess.run(  # noqa: S603 - our own command line, no shell, a file we wrote
            [command, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", tmp, str(src)],
            check=True, capture_output=True, timeout=timeout,
        )
        return (Path(tmp) / "report.pdf").read_bytes()


def docx_first_page_png(docx: bytes) -> Image.Image:
    return pdf_first_page_png(docx_to_pdf(docx))


def dark_fraction(image: Image.Image, threshold: int = 128) -> float:
    """Share of pixels darker than `threshold` (0..1): a blank or nearly blank page is close to 0."""
    grey = image.convert("L")
    histogram = grey.histogram()
    dark = sum(histogram[:threshold])
    return dark / float(grey.width * grey.height)


def assert_page_shows_content(image: Image.Image, *, min_dark: float = 0.005) -> None:
    share = dark_fraction(image)
    assert share >= min_dark, f"the page looks blank: {share:.4%} dark pixels (expected at least {min_dark:.2%})"


def save_artifact(image: Image.Image, name: str) -> Path:
    """Keeps the rendered page for a person to look at (CI uploads artifacts/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    image.save(path)
    return path


def assert_rendered_report(pdf: bytes, *, name: str, expect: list[str]) -> Image.Image:
    """The whole check in one call: the first page renders, is not blank, is saved for humans, and
    the document's text contains every expected string (title, key figures)."""
    image = pdf_first_page_png(pdf)
    save_artifact(image, name)
    assert_page_shows_content(image)
    text = _squash(pdf_text(pdf))
    missing = [e for e in expect if _squash(e) not in text]
    assert not missing, f"missing from the rendered report: {missing!r}"
    return image


def _squash(text: str) -> str:
    # PDF text extraction inserts line breaks and spaces where the layout wrapped lines.
    return "".join(text.split())
