"""Hot topics of a CSV file of messages, for evaluation and for analysts (issue 6).

    python manage.py hot_topics --input FILE.csv --top 10 --format json

The file needs the columns ``source_id, title, text, posted_at, likes`` (any order, more columns
are ignored; a ``user`` column, when present, identifies authors for the heat score). It may be
UTF-8 (with or without BOM) or GB18030/GBK, as Excel on a Chinese Windows saves it. Every problem
with the file or the arguments is a CommandError naming the line, in Chinese and English.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.insights.topics import HeatWeights, Message, TopicModel

REQUIRED = ("source_id", "title", "text", "posted_at", "likes")
TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d", "%Y-%m-%d",
)


def bilingual(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def parse_time(raw: str) -> datetime | None:
    raw = raw.strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    try:
        # ISO 8601 with seconds fractions or an offset; made naive so that one file compares.
        return datetime.fromisoformat(raw).replace(tzinfo=None)
    except ValueError:
        return None


def decode(data: bytes) -> str:
    """UTF-8 first (strict: GB18030 would accept almost any bytes), then GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CommandError(bilingual(
        "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV",
        "cannot decode the file; save it as CSV in UTF-8 or GB18030",
    ))


def read_messages(path: Path) -> tuple[list[Message], dict[str, str]]:
    """The messages of the file and, for each internal id, the file's source_id.

    ``source_id`` need not be unique (a board may list one message twice); the internal id adds
    the line number so that no row is lost, and the output maps back to source ids.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CommandError(bilingual(f"文件不存在：{path}", f"file not found: {path}")) from None
    except IsADirectoryError:
        raise CommandError(bilingual(f"不是文件：{path}", f"not a file: {path}")) from None
    except OSError as exc:
        raise CommandError(bilingual(f"无法读取文件：{exc}", f"cannot read the file: {exc}")) from None
    if not data.strip():
        raise CommandError(bilingual("文件是空的", "the file is empty"))
    text = decode(data)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise CommandError(bilingual(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}")) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CommandError(bilingual(
            f"缺少列：{', '.join(missing)}（需要 {', '.join(REQUIRED)}）",
            f"missing columns: {', '.join(missing)} (required: {', '.join(REQUIRED)})",
        ))
    reader.fieldnames = header
    messages: list[Message] = []
    sources: dict[str, str] = {}
    try:
        for row in reader:
            line = reader.line_num
            values = {k: (v or "").strip() if isinstance(v, str) else "" for k, v in row.items() if k}
            if not any(values.values()):
                continue  # a blank line
            source_id = values["source_id"]
            if not source_id:
                raise CommandError(bilingual(f"第 {line} 行：source_id 为空", f"line {line}: source_id is empty"))
            posted = parse_time(values["posted_at"])
            if posted is None:
                raise CommandError(bilingual(
                    f"第 {line} 行：无法识别的时间“{values['posted_at'][:40]}”（例如 2019/2/28 11:25:05）",
                    f"line {line}: unrecognised posted_at {values['posted_at'][:40]!r} (e.g. 2019-02-28 11:25:05)",
                ))
            raw_likes = values["likes"] or "0"
            try:
                likes = int(float(raw_likes))
            except ValueError:
                likes = -1
            if likes < 0:
                raise CommandError(bilingual(
                    f"第 {line} 行：likes 应为非负整数，而不是“{raw_likes[:20]}”",
                    f"line {line}: likes must be a non-negative whole number, not {raw_likes[:20]!r}",
                ))
            if not values["title"] and not values["text"]:
                raise CommandError(bilingual(f"第 {line} 行：标题和正文都为空", f"line {line}: title and text are both empty"))
            mid = f"{source_id}#{line}"
            sources[mid] = source_id
            messages.append(Message(
                id=mid, title=values["title"], text=values["text"], posted_at=posted, likes=likes,
                author=values.get("user", ""),
            ))
    except csv.Error as exc:
        raise CommandError(bilingual(
            f"第 {reader.line_num} 行：CSV 格式错误：{exc}", f"line {reader.line_num}: malformed CSV: {exc}"
        )) from None
    if not messages:
        raise CommandError(bilingual("文件中没有留言（只有表头）", "the file holds no messages (only a header)"))
    return messages, sources


def positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise CommandError(bilingual(f"--top 应为正整数，而不是“{raw}”", f"--top must be a positive whole number, not {raw!r}"))
    return value


class Command(BaseCommand):
    help = "Group the messages of a CSV file into hot topics and print the hottest (JSON or text)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="CSV with source_id, title, text, posted_at, likes")
        parser.add_argument("--top", default="10", help="how many topics to print (default 10)")
        parser.add_argument("--format", default="json", help="json (default) or text")
        parser.add_argument("--threshold", type=float, default=0.3, help="cosine to join a topic (0.3)")
        parser.add_argument(
            "--half-life", type=float, default=0.0,
            help="heat recency half-life in days; 0 (default) judges the whole file without decay",
        )
        parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                            help="processes for word segmentation")

    def handle(self, *args: Any, **options: Any) -> None:
        top = positive_int(str(options["top"]))
        fmt = str(options["format"]).lower()
        if fmt not in ("json", "text"):
            raise CommandError(bilingual(f"--format 只能是 json 或 text，而不是“{fmt}”", f"--format must be json or text, not {fmt!r}"))
        threshold = options["threshold"]
        if not 0 < threshold < 1:
            raise CommandError(bilingual("--threshold 应在 0 和 1 之间", "--threshold must be between 0 and 1"))
        if options["half_life"] < 0:
            raise CommandError(bilingual("--half-life 不能为负数", "--half-life cannot be negative"))
        messages, sources = read_messages(Path(options["input"]))
        model = TopicModel(threshold=threshold, weights=HeatWeights(recency_half_life_days=options["half_life"]))
        model.fit(messages, workers=max(1, options["workers"]))
        topics: list[dict[str, Any]] = []
        for t in model.topics(top):
            members: list[str] = []
            for mid in t.members:
                sid = sources[mid]
                if sid not in members:
                    members.append(sid)
            topics.append({
                "title": t.title, "keywords": t.keywords, "place": t.place, "size": t.size, "authors": t.authors,
                "likes": t.likes, "heat": round(t.heat, 2), "first_at": t.first_at.isoformat(),
                "last_at": t.last_at.isoformat(), "members": members,
            })
        if fmt == "json":
            self.stdout.write(json.dumps({"topics": topics}, ensure_ascii=False, indent=1))
            return
        for rank, row in enumerate(topics, 1):
            self.stdout.write(
                f"{rank:2d}. heat {row['heat']:8.1f}  size {row['size']:3d}  authors {row['authors']:3d}  "
                f"likes {row['likes']:5d}  {row['first_at'][:10]}..{row['last_at'][:10]}\n    {row['title']}\n"
                f"    {row['place'] or '-'} | {' '.join(row['keywords'])}"
            )
