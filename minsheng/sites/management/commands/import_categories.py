"""Import a three-level subject taxonomy (一级/二级/三级分类) from a CSV file.

    python manage.py import_categories labels.csv [--site CODE]

The file has the header ``level1,level2,level3`` (the Chinese header 一级分类,二级分类,三级分类 is
accepted too) and one row per leaf. Administrators usually produce it with Excel, so UTF-8 with or
without a BOM and GBK/GB18030 (what Chinese Excel writes by default) are both read.

Importing is idempotent: a category is identified by (site, parent, name), so running the same file
twice creates nothing new, and a file that adds a few rows to an earlier one only adds those. Bad
rows are reported with their line number and skipped; the good rows are still imported, because an
administrator fixing a 500-row export wants to see every problem at once, not the first one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import MultipleObjectsReturned
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from minsheng.sites.models import Category, Site

# Category.name is a CharField(max_length=60); a longer name would fail in the database.
MAX_NAME_LENGTH = Category._meta.get_field("name").max_length or 60
HEADER = ("level1", "level2", "level3")
HEADER_ALIASES = {
    ("level1", "level2", "level3"),
    ("一级分类", "二级分类", "三级分类"),
    ("一级", "二级", "三级"),
}
# utf-8-sig reads plain UTF-8 and strips a BOM; gb18030 is a superset of GBK and GB2312.
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class Rejection:
    line: int
    reason_zh: str
    reason_en: str

    def __str__(self) -> str:
        return f"第{self.line}行：{self.reason_zh} / line {self.line}: {self.reason_en}"


@dataclass
class Tally:
    # Keyed by level (1, 2, 3). Each category is counted once even if many rows mention it.
    created: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    existing: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    rejected: list[Rejection] = field(default_factory=list)


def read_text(path: Path) -> tuple[str, str]:
    """The file's text and the encoding that decoded it; CommandError for anything that is not a text CSV."""
    if not path.exists():
        raise CommandError(f"文件不存在：{path} / file not found: {path}")
    if not path.is_file():
        raise CommandError(f"不是文件：{path} / not a file: {path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CommandError(
            f"无法读取文件：{path}（{exc.strerror}） / cannot read {path}: {exc.strerror}"
        ) from None
    if not raw.strip():
        raise CommandError(f"文件为空：{path} / the file is empty: {path}")
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        # .xlsx is a zip archive, .xls an OLE2 compound file: the most common mistake by far.
        raise CommandError(
            "这是 Excel 工作簿，不是 CSV 文件；请在 Excel 中“另存为 CSV”后再导入 / "
            "this is an Excel workbook, not a CSV file; save it as CSV first"
        )
    if b"\x00" in raw:
        raise CommandError(f"不是文本 CSV 文件：{path} / not a text CSV file: {path}")
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CommandError(
        "无法识别文件编码（支持 UTF-8 和 GBK/GB18030） / "
        "unknown encoding (UTF-8 and GBK/GB18030 are supported)"
    )


def _check_header(header: list[str]) -> None:
    cells = tuple(cell.strip().lower() for cell in header)
    # Excel sometimes appends empty columns; they do not make the header wrong.
    while cells and not cells[-1]:
        cells = cells[:-1]
    if cells not in HEADER_ALIASES:
        found = ",".join(header) if header else "（空行）"
        raise CommandError(
            f"表头应为 level1,level2,level3，实际为：{found} / "
            f"the header must be level1,level2,level3, found: {found}"
        )


def _problem(line: int, cells: list[str]) -> Rejection | None:
    level1, level2, level3, *extra = cells
    if any(extra):
        return Rejection(line, "多于三列", "more than three columns")
    if not level1:
        return Rejection(line, "一级分类为空", "level1 is empty")
    if level3 and not level2:
        return Rejection(line, "有三级分类但二级分类为空", "level3 without level2")
    for number, name in ((1, level1), (2, level2), (3, level3)):
        if len(name) > MAX_NAME_LENGTH:
            levels_zh = {1: "一", 2: "二", 3: "三"}
            return Rejection(
                line,
                f"{levels_zh[number]}级分类名称超过{MAX_NAME_LENGTH}个字（{len(name)}个）",
                f"level{number} name is longer than {MAX_NAME_LENGTH} characters ({len(name)})",
            )
    return None


class Importer:
    """Walks the rows and finds or creates each node once, remembering what it has seen."""

    def __init__(self, site: Site | None) -> None:
        self.site = site
        self.tally = Tally()
        self._seen: dict[tuple[int | None, str], Category] = {}

    def node(self, parent: Category | None, name: str, level: int) -> Category:
        key = (parent.pk if parent else None, name)
        if key in self._seen:
            return self._seen[key]
        try:
            category, created = Category.objects.get_or_create(
                site=self.site, parent=parent, name=name, defaults={"level": level}
            )
        except MultipleObjectsReturned:
            # The unique constraint does not bind rows whose site or parent is NULL (SQL treats
            # NULLs as distinct), so older data may hold duplicates; reuse the oldest one.
            same = Category.objects.filter(site=self.site, parent=parent, name=name)
            category = same.order_by("id")[0]
            created = False
        (self.tally.created if created else self.tally.existing)[level] += 1
        self._seen[key] = category
        return category

    def row(self, line: int, cells: list[str]) -> None:
        cells = [cell.strip() for cell in cells] + [""] * (3 - len(cells))
        rejection = _problem(line, cells)
        if rejection is not None:
            self.tally.rejected.append(rejection)
            return
        level1, level2, level3 = cells[:3]
        top = self.node(None, level1, 1)
        if level2:
            middle = self.node(top, level2, 2)
            if level3:
                self.node(middle, level3, 3)


class Command(BaseCommand):
    help = "从 CSV 导入三级分类（表头 level1,level2,level3） / import a 3-level category tree from CSV"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV 文件路径 / path of the CSV file")
        parser.add_argument(
            "--site", metavar="CODE",
            help="分类所属站点代码；不填则为全部站点共用 / "
            "code of the owning site (default: shared by all sites)",
        )

    def handle(self, *args: Any, file: str, site: str | None = None, **options: Any) -> None:
        owner = None
        if site:
            owner = Site.objects.filter(code=site).first()
            if owner is None:
                raise CommandError(f"站点不存在：{site} / no site with code {site!r}")
        text, encoding = read_text(Path(file))
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise CommandError(f"CSV 格式错误：{exc} / malformed CSV: {exc}") from None
        # Leading blank lines are not a header; line numbers below count them, as an editor would.
        first = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
        if first is None:
            raise CommandError(f"文件为空：{file} / the file is empty: {file}")
        _check_header(rows[first])

        importer = Importer(owner)
        with transaction.atomic():
            for index in range(first + 1, len(rows)):
                cells = rows[index]
                if not any(cell.strip() for cell in cells):
                    continue
                # Report the row number as Excel shows it (a quoted multi-line cell is one row),
                # which is also the line number of any file without such cells.
                importer.row(index + 1, cells)
        self._report(importer.tally, encoding, owner)

    def _report(self, tally: Tally, encoding: str, owner: Site | None) -> None:
        for rejection in tally.rejected:
            self.stdout.write(self.style.WARNING(str(rejection)))
        where = owner.name if owner else "全部站点共用 / shared"
        self.stdout.write(f"编码 / encoding: {encoding}；站点 / site: {where}")
        for level, label in ((1, "一级 level 1"), (2, "二级 level 2"), (3, "三级 level 3")):
            self.stdout.write(
                f"{label}: 新建 created {tally.created[level]}，已存在 existing {tally.existing[level]}"
            )
        created = sum(tally.created.values())
        existing = sum(tally.existing.values())
        summary = (
            f"完成：新建 {created}，已存在 {existing}，拒绝 {len(tally.rejected)} 行 / "
            f"done: {created} created, {existing} existing, {len(tally.rejected)} rows rejected"
        )
        self.stdout.write(self.style.WARNING(summary) if tally.rejected else self.style.SUCCESS(summary))
