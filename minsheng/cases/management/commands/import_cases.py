"""Import historical cases from a previous system: CSV (UTF-8 or GB18030) or XLSX.

    python manage.py import_cases FILE --site CODE [--report REPORT.csv] [--dry-run] [--publish]

Every row is validated; good rows are imported, bad rows are listed in the report with their row
number (as Excel shows it: the header is row 1) and the reason in Chinese and English. Rows are
streamed and written in short transactions, so a 100,000-row file never sits in memory and an
interrupted import keeps what it wrote; running it again skips what is already there (each case
carries an import key made of the site, title, text and posting time).

Rows without a reply are imported as `submitted`: they are messages the old system never answered,
and intake should handle them rather than lose them. With --publish, answered cases are published
(dated by their reply), as they were on the old portal; without it nothing imported is public and
the citizen's consent counts as not given.
"""

from __future__ import annotations

import codecs
import csv
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.cases.importing import (
    HistoricalCase,
    case_import,
    import_system_user,
    make_import_key,
    mask_public_texts,
)
from minsheng.cases.models import Case, Status
from minsheng.lib.masking import mask_case_text
from minsheng.sites.models import Category, Channel, ChannelKind, Department, Site

# Old systems in China record Beijing time whatever the server's zone was, so naive times in the
# file are read as Asia/Shanghai even if TIME_ZONE is ever changed.
SOURCE_TZ = ZoneInfo("Asia/Shanghai")

TITLE_MAX = 100  # the Case.title column
TEXT_MAX = 10_000
REPLY_MAX = 20_000  # generous: official replies quote policies at length; the longest seen is ~8,000
BATCH_ROWS = 500
# SQLite lets one writer in at a time and web requests wait only 5 s (busy_timeout): a transaction
# is committed after this many seconds even if its batch is not finished.
MAX_TRANSACTION_SECONDS = 1.0

# field -> accepted header names (compared after `_normalise_header`)
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "标题", "留言标题", "主题"),
    "text": ("text", "body", "内容", "留言内容", "留言详情", "详情"),
    "posted_at": ("posted_at", "留言时间", "来信时间", "提交时间"),
    "channel": ("channel", "栏目"),
    "category": ("category", "分类", "类别"),
    "department": ("department", "部门", "答复部门", "承办单位", "办理单位"),
    "reply": ("reply", "答复", "答复内容", "答复意见", "回复", "回复内容"),
    "replied_at": ("replied_at", "答复时间", "回复时间"),
    "status": ("status", "状态", "办理状态"),
    # Not stored on the case; kept in the audit event so a case can be traced to the old system.
    "source_id": ("source_id", "id", "编号", "留言编号"),
}
REQUIRED_COLUMNS = ("title", "text", "posted_at")
COLUMN_LABELS = {
    "title": "标题", "text": "内容", "posted_at": "留言时间", "channel": "栏目", "category": "分类",
    "department": "部门", "reply": "答复", "replied_at": "答复时间", "status": "状态", "source_id": "编号",
}

STATUS_ALIASES: dict[str, str] = {
    "closed": Status.CLOSED, "已办结": Status.CLOSED, "办结": Status.CLOSED, "已完成": Status.CLOSED,
    "replied": Status.REPLIED, "已答复": Status.REPLIED, "答复": Status.REPLIED, "已回复": Status.REPLIED,
    "submitted": Status.SUBMITTED, "待受理": Status.SUBMITTED, "未答复": Status.SUBMITTED,
    "未办结": Status.SUBMITTED, "未回复": Status.SUBMITTED,
}
CHANNEL_KIND_ALIASES: dict[str, str] = {
    "领导信箱": ChannelKind.MAILBOX, "投诉": ChannelKind.COMPLAINT, "咨询": ChannelKind.INQUIRY,
    "建议": ChannelKind.SUGGESTION, "求助": ChannelKind.HELP, "举报": ChannelKind.REPORT,
}

_DATE_RE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?$"
)
# C0 controls other than tab and newlines: never meant in a message, common in damaged exports.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PATH_SPLIT_RE = re.compile(r"\s*[/／>＞\\]\s*")


def bilingual(zh: str, en: str) -> str:
    return f"{zh} / {en}"


class RowError(Exception):
    """Why one row cannot be imported; a row may have several."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def _norm(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split()).lower()


def _normalise_header(value: Any) -> str:
    text = "" if value is None else str(value)
    # "*标题" marks a required column in many Excel templates; "标题（必填）" too.
    text = re.sub(r"[（(].*?[)）]", "", _norm(text.replace("\ufeff", "")))
    return text.replace("*", "").replace(" ", "")


# ---------------------------------------------------------------------------------------------
# reading the file


@dataclass
class Table:
    """The header and a stream of (row number, cells) of the first sheet or the CSV file."""

    header: list[Any]
    rows: Iterator[tuple[int, list[Any]]]
    kind: str  # "csv" | "xlsx"
    encoding: str = ""


def open_table(path: Path, stack: ExitStack) -> Table:
    """Open a CSV or XLSX file, judged by its content; every problem is a CommandError."""
    if not path.exists():
        raise CommandError(bilingual(f"文件不存在：{path}", f"file not found: {path}"))
    if not path.is_file():
        raise CommandError(bilingual(f"不是文件：{path}", f"not a file: {path}"))
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise CommandError(bilingual(f"无法读取文件：{exc}", f"cannot read the file: {exc}")) from None
    if not head.strip():
        raise CommandError(bilingual("文件是空的", "the file is empty"))
    if head.startswith(b"PK"):
        return _open_xlsx(path, stack)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise CommandError(bilingual(
            "这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入",
            "this is an old Excel (.xls) file; save it as .xlsx or CSV first",
        ))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CommandError(bilingual(
            "这是 UTF-16 文本（Excel 的“Unicode 文本”），请另存为“CSV UTF-8”后再导入",
            "this is UTF-16 text (Excel's “Unicode text”); save it as “CSV UTF-8” first",
        ))
    return _open_csv(path, stack)


def _open_xlsx(path: Path, stack: ExitStack) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    not_xlsx = bilingual(
        "文件不是有效的 XLSX 表格（可能已损坏，或是其他压缩文件）",
        "the file is not a valid XLSX workbook (damaged, or another kind of zip file)",
    )
    try:
        # A file object, not the path: openpyxl would refuse a name not ending in .xlsx, and the
        # format is judged by content. read_only streams the sheet XML instead of building every cell.
        handle = stack.enter_context(path.open("rb"))
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise CommandError(f"{not_xlsx}: {exc}") from None
    stack.callback(workbook.close)
    if not workbook.worksheets:
        raise CommandError(bilingual("XLSX 文件中没有工作表", "the XLSX file has no sheet"))
    sheet = workbook.worksheets[0]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(values)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise CommandError(f"{not_xlsx}: {exc}") from None

    stream = rows()
    header = _first_non_empty(stream)
    return Table(header=header[1] if header else [], rows=stream, kind="xlsx")


def _first_non_empty(stream: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[Any]] | None:
    for number, values in stream:
        if any(_cell_text(v) for v in values):
            return number, values
    return None


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, tried on the whole file in chunks, never all at once."""
    with path.open("rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
    candidates = ["utf-8-sig"] if bom else ["utf-8", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        controls = checked = 0
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    if b"\x00" in chunk:
                        raise CommandError(_binary_file())
                    text = decoder.decode(chunk)
                    if checked < 1 << 16:
                        controls += len(_CONTROL_RE.findall(text))
                        checked += len(text)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        # A stray control character is damage in one message; many are a binary file that happens
        # to decode (GB18030 accepts most byte pairs).
        if checked and controls / checked > 0.01:
            raise CommandError(_binary_file())
        return encoding
    raise CommandError(bilingual(
        "无法识别文件编码：CSV 文件应为 UTF-8 或 GB18030（GBK）编码",
        "unknown text encoding: a CSV file must be UTF-8 or GB18030 (GBK)",
    ))


def _binary_file() -> str:
    return bilingual(
        "文件不是 CSV 或 XLSX 表格（含有二进制数据）", "the file is not CSV or XLSX (it holds binary data)"
    )


def _open_csv(path: Path, stack: ExitStack) -> Table:
    encoding = _detect_encoding(path)
    handle: IO[str] = stack.enter_context(path.open(encoding=encoding, newline=""))
    first_line = handle.readline()
    handle.seek(0)
    # Some exports are tab-separated but still called .csv.
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # The stdlib limit (128 KiB per field) would abort the whole file on one long reply; let the
    # length checks reject that row instead.
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    reader = csv.reader(handle, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 0
        try:
            for number, values in enumerate(reader, start=1):
                yield number, values
        except csv.Error as exc:
            raise CommandError(bilingual(
                f"CSV 格式错误（第{number + 1}行附近）：{exc}", f"malformed CSV near line {number + 1}: {exc}"
            )) from None

    stream = rows()
    header = _first_non_empty(stream)
    return Table(header=header[1] if header else [], rows=stream, kind="csv", encoding=encoding)


def map_columns(header: list[Any], overrides: dict[str, str]) -> dict[str, int]:
    """field -> index of its column. Overrides (--columns) name the header for a field."""
    positions: dict[str, list[int]] = {}
    names = [_normalise_header(cell) for cell in header]
    for field, aliases in COLUMN_ALIASES.items():
        wanted = {_normalise_header(overrides[field])} if field in overrides else {
            _normalise_header(a) for a in aliases
        }
        positions[field] = [i for i, name in enumerate(names) if name and name in wanted]
    found = ", ".join(str(c) for c in header if c not in (None, "")) or "—"
    for field, indexes in positions.items():
        if len(indexes) > 1:
            raise CommandError(bilingual(
                f"“{COLUMN_LABELS[field]}”对应了多个列，请用 --columns 指定其中一个（表头：{found}）",
                f"several columns match “{field}”; choose one with --columns (header: {found})",
            ))
    missing = [f for f in REQUIRED_COLUMNS if not positions[f]]
    if missing:
        raise CommandError(bilingual(
            f"表头缺少必需的列：{'、'.join(COLUMN_LABELS[f] for f in missing)}（表头：{found}）",
            f"the header lacks required columns: {', '.join(missing)} (header: {found}); "
            "use --columns field=header to map yours",
        ))
    return {field: indexes[0] for field, indexes in positions.items() if indexes}


# ---------------------------------------------------------------------------------------------
# values


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return _CONTROL_RE.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from a cell, None when it is not a date. Naive times are Beijing time."""
    if isinstance(value, datetime):
        naive = value
    elif isinstance(value, date):
        naive = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            converted = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            return None
        if not isinstance(converted, datetime):
            return None
        naive = converted
    else:
        match = _DATE_RE.match(_cell_text(value))
        if match is None:
            return None
        parts = [int(p) if p else 0 for p in match.groups()]
        try:
            naive = datetime(*parts)  # type: ignore[arg-type, misc]
        except ValueError:  # 2019/2/30, 25:00
            return None
    if naive.tzinfo is not None:
        return naive.astimezone(SOURCE_TZ)
    # Excel stores times as fractions of a day: 11:25:05 may come back as 11:25:04.999999. Round to
    # the second so the import key matches the same row exported as CSV.
    if naive.microsecond:
        naive = naive.replace(microsecond=0) + timedelta(seconds=round(naive.microsecond / 1e6))
    return naive.replace(tzinfo=SOURCE_TZ)


class Lookups:
    """The site's channels, categories and departments, loaded once: a few hundred rows at most."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.channels: dict[str, Channel] = {}
        channels = list(Channel.objects.filter(site=site))
        for channel in channels:  # kinds first, so a channel's own name wins over a kind label
            self.channels[_norm(channel.kind)] = channel
            self.channels[_norm(str(channel.get_kind_display()))] = channel
        by_kind = {c.kind: c for c in channels}
        for label, kind in CHANNEL_KIND_ALIASES.items():
            if kind in by_kind:
                self.channels[_norm(label)] = by_kind[kind]
        for channel in channels:
            self.channels[_norm(channel.name)] = channel

        categories = list(Category.objects.filter(site__isnull=True) | Category.objects.filter(site=site))
        by_id = {c.pk: c for c in categories}
        self.categories_by_name: dict[str, list[Category]] = {}
        self.categories_by_path: dict[str, list[Category]] = {}
        for category in categories:
            names = [category.name]
            node = category
            while node.parent_id is not None and node.parent_id in by_id:
                node = by_id[node.parent_id]
                names.append(node.name)
            path = "/".join(_norm(n) for n in reversed(names))
            self.categories_by_name.setdefault(_norm(category.name), []).append(category)
            self.categories_by_path.setdefault(path, []).append(category)

        self.departments_by_name: dict[str, list[Department]] = {}
        self.departments_by_short: dict[str, list[Department]] = {}
        # Inactive departments too: history was answered by units that may since have merged.
        for department in Department.objects.filter(site_id__in=site.descendant_ids()):
            self.departments_by_name.setdefault(_norm(department.name), []).append(department)
            if department.short_name:
                self.departments_by_short.setdefault(_norm(department.short_name), []).append(department)

    def channel(self, value: str) -> Channel:
        channel = self.channels.get(_norm(value))
        if channel is None:
            raise RowError(f"栏目“{value}”不存在", f"unknown channel “{value}”")
        return channel

    def category(self, value: str) -> Category:
        parts = [p for p in _PATH_SPLIT_RE.split(_norm(value)) if p]
        found = (
            self.categories_by_path.get("/".join(parts), [])
            if len(parts) > 1 else self.categories_by_name.get(parts[0] if parts else "", [])
        )
        found = self._prefer_site(found, lambda c: c.site_id)
        if not found:
            raise RowError(f"分类“{value}”不存在", f"unknown category “{value}”")
        if len(found) > 1:
            example = found[0].path.replace(" / ", "/")
            raise RowError(
                f"分类“{value}”有多个同名项，请写完整路径，如“{example}”",
                f"category “{value}” is ambiguous; write its path, e.g. “{example}”",
            )
        return found[0]

    def department(self, value: str) -> Department:
        key = _norm(value)
        found = self.departments_by_name.get(key) or self.departments_by_short.get(key, [])
        found = self._prefer_site(found, lambda d: d.site_id)
        if not found:
            raise RowError(f"部门“{value}”不存在", f"unknown department “{value}”")
        if len(found) > 1:
            raise RowError(
                f"部门“{value}”对应多个部门，请写全称",
                f"department “{value}” is ambiguous; use its full name",
            )
        return found[0]

    def _prefer_site(self, found: list[Any], site_of: Callable[[Any], int | None]) -> list[Any]:
        # The same name on this site and on a sub-site (or shared): the site's own one is meant.
        if len(found) > 1:
            own = [item for item in found if site_of(item) == self.site.pk]
            return own or found
        return found


# ---------------------------------------------------------------------------------------------
# the command


@dataclass
class Counts:
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    duplicates_in_file: int = 0
    rejected: int = 0
    submitted: int = 0  # imported without a reply: now waiting for intake


class Command(BaseCommand):
    help = "导入历史留言（CSV 或 XLSX） / Import historical cases from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8 / GB18030) or XLSX file")
        parser.add_argument("--site", required=True, help="code of the site the cases belong to")
        parser.add_argument(
            "--report", help="write rejected rows to this CSV file (UTF-8 with BOM, for Excel)"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument(
            "--publish", action="store_true",
            help="publish answered cases (the old portal showed them), dated by their reply",
        )
        parser.add_argument(
            "--columns", default="",
            help="map fields to your headers: title=标题,text=详情,posted_at=时间 ...",
        )
        parser.add_argument("--default-channel", help="channel (name or kind) for rows that name none")
        parser.add_argument("--default-department", help="answering department for rows that name none")
        parser.add_argument("--user", help="username of the member of staff running the import (audit)")
        parser.add_argument("--batch-size", type=int, default=BATCH_ROWS, help="rows per batch (500)")
        parser.add_argument(
            "--jobs", type=int, default=1,
            help="processes masking personal data in parallel (masking is the slowest step)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        site = Site.objects.filter(code=options["site"]).first()
        if site is None:
            codes = ", ".join(Site.objects.values_list("code", flat=True)) or "—"
            raise CommandError(bilingual(
                f"站点“{options['site']}”不存在（现有：{codes}）",
                f"unknown site “{options['site']}” (known: {codes})",
            ))
        self.site = site
        self.lookups = Lookups(site)
        self.verbosity: int = options["verbosity"]
        self.dry_run: bool = options["dry_run"]
        self.publish: bool = options["publish"]
        self.batch_size = max(1, options["batch_size"])
        self.jobs = max(1, options["jobs"])
        self.by = self._staff_user(options["user"])
        self.default_channel = self._default(options["default_channel"], self.lookups.channel)
        self.default_department = self._default(options["default_department"], self.lookups.department)
        overrides = self._parse_columns(options["columns"])
        self.counts = Counts()
        self.seen_keys: dict[str, int] = {}
        self.source_name = Path(options["file"]).name

        with ExitStack() as stack:
            table = open_table(Path(options["file"]), stack)
            if not table.header:
                raise CommandError(bilingual("文件中没有表头和数据", "the file has no header and no rows"))
            self.columns = map_columns(table.header, overrides)
            self.header_width = len(table.header)
            self.kind = table.kind
            self.report = self._open_report(options.get("report"), stack)
            self.shown_rejections = 0
            self.author = None if self.dry_run else import_system_user()
            self.executor: Executor | None = None
            if self.jobs > 1 and not self.dry_run:
                import multiprocessing

                # spawn, not fork: the children only mask text and must not inherit the database
                # connection or jieba's locks.
                self.executor = stack.enter_context(
                    ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"))
                )
            try:
                self._run(table.rows)
            except KeyboardInterrupt:
                raise CommandError(bilingual(
                    f"已中断：已导入 {self.counts.imported} 行并已保存，再次运行将跳过这些行",
                    f"interrupted: {self.counts.imported} imported rows are saved; a rerun skips them",
                )) from None
        self._summary(time.monotonic() - started, options.get("report"))

    # -- options ------------------------------------------------------------------------------

    def _staff_user(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(
                bilingual(f"用户“{username}”不存在或已停用", f"unknown or inactive user “{username}”")
            )
        return user

    def _default(self, value: str | None, lookup: Callable[[str], Any]) -> Any:
        if not value:
            return None
        try:
            return lookup(value)
        except RowError as exc:
            raise CommandError(bilingual(exc.zh, exc.en)) from None

    def _parse_columns(self, spec: str) -> dict[str, str]:
        overrides: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            field, sep, header = item.partition("=")
            field = field.strip()
            if not sep or field not in COLUMN_ALIASES or not header.strip():
                fields = ", ".join(COLUMN_ALIASES)
                raise CommandError(bilingual(
                    f"--columns 写法有误：“{item}”（应为 字段=表头，字段可为 {fields}）",
                    f"bad --columns item “{item}” (expected field=header; fields: {fields})",
                ))
            overrides[field] = header.strip()
        return overrides

    def _open_report(self, target: str | None, stack: ExitStack) -> Any:
        if not target:
            return None
        try:
            # utf-8-sig: Excel opens a UTF-8 CSV as GBK unless it starts with a BOM.
            handle = stack.enter_context(open(target, "w", encoding="utf-8-sig", newline=""))  # noqa: SIM115
        except OSError as exc:
            raise CommandError(bilingual(f"无法写入报告：{exc}", f"cannot write the report: {exc}")) from None
        writer = csv.writer(handle)
        writer.writerow(["行号 line", "原因", "reason", "标题 title"])
        return writer

    # -- rows ---------------------------------------------------------------------------------

    def _run(self, rows: Iterator[tuple[int, list[Any]]]) -> None:
        batch: list[HistoricalCase] = []
        for number, cells in rows:
            if not any(_cell_text(c) for c in cells):
                continue  # blank lines between blocks are common in hand-edited sheets
            self.counts.rows += 1
            try:
                data = self._validate(number, cells)
            except _Rejected as rejected:
                self._reject(number, rejected.errors, _cell_text(self._cell(cells, "title")))
                continue
            first = self.seen_keys.get(data.import_key)
            if first is not None:
                # The old system sometimes kept a double posting; one case is enough.
                self.counts.skipped += 1
                self.counts.duplicates_in_file += 1
                continue
            self.seen_keys[data.import_key] = number
            batch.append(data)
            if len(batch) >= self.batch_size:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)

    def _cell(self, cells: list[Any], field: str) -> Any:
        index = self.columns.get(field)
        return cells[index] if index is not None and index < len(cells) else None

    def _validate(self, number: int, cells: list[Any]) -> HistoricalCase:
        errors: list[RowError] = []
        extra = [c for c in cells[self.header_width:] if _cell_text(c)]
        if self.kind == "csv" and extra:
            # An unquoted comma shifted the row: every value after it is in the wrong column.
            errors.append(RowError(
                f"本行有{len(cells)}列，表头只有{self.header_width}列（可能有未加引号的逗号）",
                f"the row has {len(cells)} columns, the header {self.header_width} (an unquoted comma?)",
            ))
        text_of = {f: _cell_text(self._cell(cells, f)) for f in COLUMN_ALIASES}
        title = " ".join(text_of["title"].split())
        body = text_of["text"]
        reply = text_of["reply"]
        if not title:
            errors.append(RowError("标题为空", "title is empty"))
        elif len(title) > TITLE_MAX:
            errors.append(RowError(f"标题超过{TITLE_MAX}字", f"title is longer than {TITLE_MAX} characters"))
        if not body:
            errors.append(RowError("留言内容为空", "text is empty"))
        elif len(body) > TEXT_MAX:
            errors.append(
                RowError(f"留言内容超过{TEXT_MAX}字", f"text is longer than {TEXT_MAX:,} characters")
            )
        if len(reply) > REPLY_MAX:
            errors.append(
                RowError(f"答复内容超过{REPLY_MAX}字", f"reply is longer than {REPLY_MAX:,} characters")
            )

        now = timezone.now()
        posted_at = self._time(cells, "posted_at", "留言时间", errors, now, required=True)
        replied_at = self._time(cells, "replied_at", "答复时间", errors, now, required=False)
        if posted_at and replied_at and replied_at < posted_at:
            errors.append(RowError("答复时间早于留言时间", "replied_at is before posted_at"))

        channel = self._resolve(text_of["channel"], self.default_channel, self.lookups.channel, errors)
        if channel is None and not text_of["channel"]:
            errors.append(RowError(
                "缺少栏目（可用 --default-channel 指定）", "channel is missing (give --default-channel)"
            ))
        category = self._resolve(text_of["category"], None, self.lookups.category, errors)
        department = self._resolve(
            text_of["department"], self.default_department, self.lookups.department, errors
        )

        status = self._status(text_of["status"], reply, errors)
        if reply:
            if department is None and not text_of["department"]:
                errors.append(RowError(
                    "有答复但没有答复部门（可用 --default-department 指定）",
                    "the reply has no department (give --default-department)",
                ))
            if replied_at is None and not text_of["replied_at"]:
                errors.append(RowError("有答复但缺少答复时间", "the reply has no replied_at"))
        elif replied_at is not None:
            errors.append(RowError("有答复时间但没有答复内容", "replied_at is given but the reply is empty"))

        if errors:
            raise _Rejected(errors)
        assert posted_at is not None and channel is not None and status is not None
        source: dict[str, Any] = {"file": self.source_name, "line": number}
        if text_of["source_id"]:
            source["source_id"] = text_of["source_id"][:100]
        return HistoricalCase(
            title=title, body=body, posted_at=posted_at, channel=channel, status=status,
            category=category, department=department, reply=reply, replied_at=replied_at, source=source,
            import_key=make_import_key(self.site.code, title, body, posted_at),
        )

    def _time(
        self,
        cells: list[Any],
        field: str,
        label: str,
        errors: list[RowError],
        now: datetime,
        *,
        required: bool,
    ) -> datetime | None:
        raw = self._cell(cells, field)
        text = _cell_text(raw)
        if not text:
            if required:
                errors.append(RowError(f"缺少{label}", f"{field} is missing"))
            return None
        moment = parse_time(raw)
        if moment is None:
            errors.append(RowError(
                f"{label}“{text}”无法识别（应如 2019/2/28 11:25:05、2017-06-08 17:31:20 或 2019-02-28）",
                f"{field} “{text}” is not a date "
                "(expected e.g. 2019/2/28 11:25:05, 2017-06-08 17:31:20, 2019-02-28)",
            ))
            return None
        if moment > now:
            errors.append(RowError(f"{label}晚于当前时间", f"{field} is in the future"))
            return None
        return moment

    @staticmethod
    def _resolve(value: str, default: Any, lookup: Callable[[str], Any], errors: list[RowError]) -> Any:
        if not value:
            return default
        try:
            return lookup(value)
        except RowError as exc:
            errors.append(exc)
            return None

    @staticmethod
    def _status(value: str, reply: str, errors: list[RowError]) -> str | None:
        if not value:
            # No status column or an empty cell: an answer means the matter was settled.
            return Status.CLOSED if reply else Status.SUBMITTED
        status = STATUS_ALIASES.get(_norm(value))
        if status is None:
            errors.append(RowError(
                f"状态“{value}”无法识别（可用：已办结、已答复、待受理）",
                f"unknown status “{value}” (use closed, replied or submitted)",
            ))
        elif status != Status.SUBMITTED and not reply:
            errors.append(RowError(
                f"状态为“{value}”但没有答复内容", f"status “{value}” needs a reply, but the reply is empty"
            ))
        elif status == Status.SUBMITTED and reply:
            errors.append(RowError(
                f"有答复的留言状态不能是“{value}”", f"a row with a reply cannot have status “{value}”"
            ))
        return status

    def _reject(self, number: int, errors: list[RowError], title: str) -> None:
        self.counts.rejected += 1
        zh = "；".join(e.zh for e in errors)
        en = "; ".join(e.en for e in errors)
        if self.report is not None:
            self.report.writerow([number, zh, en, title[:50]])
        # Without a report the terminal shows every rejection; with one, a sample is enough.
        if self.report is None or self.shown_rejections < 20:
            self.shown_rejections += 1
            self.stdout.write(f"第{number}行：{zh} / line {number}: {en}")

    # -- writing ------------------------------------------------------------------------------

    def _flush(self, batch: list[HistoricalCase]) -> None:
        keys = [d.import_key for d in batch]
        existing = set(Case.objects.filter(import_key__in=keys).values_list("import_key", flat=True))
        fresh = [d for d in batch if d.import_key not in existing]
        self.counts.skipped += len(batch) - len(fresh)
        if self.dry_run:
            self._count_imported(fresh)
        else:
            # Mask before the transaction opens: it is slow, and SQLite has one writer at a time.
            self._mask(fresh)
            self._write(fresh)
        if self.verbosity >= 1:
            # A large file takes a while (masking is slow): show that it is moving.
            self.stdout.write(f"…已处理 {self.counts.rows} 行 / {self.counts.rows} rows processed")

    def _mask(self, batch: list[HistoricalCase]) -> None:
        if self.executor is None:
            for data in batch:
                mask_public_texts(data)
            return
        # The same rule in worker processes: lib.masking needs no Django, importing.py does.
        texts = [t for d in batch for t in (d.title, d.body, d.reply)]
        is_reply = [False, False, True] * len(batch)
        masked = list(self.executor.map(mask_case_text, texts, is_reply, chunksize=8))
        for i, data in enumerate(batch):
            data.public_title = masked[3 * i][:TITLE_MAX]
            data.public_body = masked[3 * i + 1]
            data.public_reply = masked[3 * i + 2]

    def _write(self, batch: list[HistoricalCase]) -> None:
        position = 0
        while position < len(batch):
            opened = time.monotonic()
            written: list[Case | None] = []
            with transaction.atomic():
                while position < len(batch):
                    data = batch[position]
                    position += 1
                    written.append(case_import(
                        data, site=self.site, by=self.by, publish=self.publish, author=self.author
                    ))
                    if time.monotonic() - opened > MAX_TRANSACTION_SECONDS:
                        break
            # Counted after the commit, so an interruption reports only what was really kept.
            done = [case for case in written if case is not None]
            self.counts.skipped += len(written) - len(done)
            self._count_imported(done)

    def _count_imported(self, items: list[Any]) -> None:
        self.counts.imported += len(items)
        self.counts.submitted += sum(1 for item in items if item.status == Status.SUBMITTED)

    def _summary(self, seconds: float, report: str | None) -> None:
        c = self.counts
        verb_zh, verb_en = ("可导入", "would import") if self.dry_run else ("已导入", "imported")
        if self.dry_run:
            self.stdout.write("试运行，未写入数据库 / dry run: nothing was written")
        self.stdout.write(
            f"共 {c.rows} 行：{verb_zh} {c.imported}（其中 {c.submitted} 条无答复，进入待受理），"
            f"已存在跳过 {c.skipped}（其中文件内重复 {c.duplicates_in_file}），拒绝 {c.rejected}"
        )
        self.stdout.write(
            f"{c.rows} rows: {verb_en} {c.imported} ({c.submitted} without a reply, now awaiting intake), "
            f"skipped as already imported {c.skipped} ({c.duplicates_in_file} duplicates within the file), "
            f"rejected {c.rejected}"
        )
        rate = c.rows / seconds if seconds > 0 else 0.0
        self.stdout.write(f"用时 {seconds:.1f} 秒，{rate:.1f} 行/秒 / {seconds:.1f} s, {rate:.1f} rows/s")
        if c.rejected and report:
            self.stdout.write(f"被拒绝的行见报告 / rejected rows are listed in {report}")


class _Rejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.en for e in errors))
        self.errors = errors
