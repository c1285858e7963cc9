"""`python manage.py reindex_search [--site CODE] [--batch-size N] [--after-id ID]`: segment the
published cases again.

The search index stores each published case's words as jieba cut them when the case was indexed.
A word added to the user dictionary later (a compound, road or village an administrator lists for
the segmenter, a new department's name) changes how queries are cut, but not the stored words, so
the new word finds only cases published after it. This command cuts every indexed case again with
the dictionary as it is now, writes only the rows whose words changed and drops the rows of cases
no longer published.

Safe to run while the site is up and to run again: each batch is one transaction that locks its
cases like any action does, and rewriting a row with the same words is skipped. An interrupted run
keeps the batches it finished; the progress lines say which case id to resume after.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.cases import search
from minsheng.lib import chinese
from minsheng.sites.models import Site

DEFAULT_BATCH = 500
MAX_BATCH = 10_000


def bilingual(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def _whole_number(name: str, value: str, *, minimum: int, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise CommandError(bilingual(f"{name} 应为整数：{value!r}",
                                     f"{name} must be a whole number: {value!r}")) from None
    if number < minimum or (maximum is not None and number > maximum):
        if maximum is None:
            zh, en = f"{name} 不能小于 {minimum}：{number}", f"{name} must be at least {minimum}: {number}"
        else:
            zh = f"{name} 应在 {minimum} 到 {maximum} 之间：{number}"
            en = f"{name} must be between {minimum} and {maximum}: {number}"
        raise CommandError(bilingual(zh, en))
    return number


class Command(BaseCommand):
    help = bilingual("按当前词典重建公开留言的全文检索分词", "re-segment published cases for full-text search "
                     "with the current dictionary (safe to re-run, resumable)")

    def add_arguments(self, parser: CommandParser) -> None:
        # Numbers are read as text and checked here, so that a mistake gets the bilingual message
        # rather than argparse's English one.
        parser.add_argument("--site", help="code of one site (default: every site)")
        parser.add_argument("--batch-size", default=str(DEFAULT_BATCH),
                            help=f"cases per transaction and progress line (default {DEFAULT_BATCH})")
        parser.add_argument("--after-id", default="0", help="resume after this case id (printed by a previous run)")

    def handle(self, *args: Any, **opts: Any) -> None:
        batch = _whole_number("--batch-size", opts["batch_size"], minimum=1, maximum=MAX_BATCH)
        after = _whole_number("--after-id", opts["after_id"], minimum=0)
        cases = search.indexable_cases()
        if opts["site"] is not None:
            code = opts["site"].strip()
            site = Site.objects.filter(code=code).first() if code else None
            if site is None:
                raise CommandError(bilingual(f"没有代码为 {opts['site']!r} 的站点",
                                             f"no site with code {opts['site']!r}"))
            cases = cases.filter(site=site)
        # The newest words now, not after the lexicon's cache time: the point is to use them.
        chinese.refresh_user_words()
        self.stdout.write(bilingual(f"用户词典 {len(chinese.user_words())} 个词",
                                    f"user dictionary: {len(chinese.user_words())} words"))

        todo = cases.filter(pk__gt=after)
        total = todo.count()
        done = written = unchanged = removed = 0
        last = after
        while True:
            ids = list(todo.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            result = search.reindex_batch(ids)
            done += len(ids)
            written += result.written
            unchanged += result.unchanged
            removed += result.removed
            last = ids[-1]
            self.stdout.write(bilingual(
                f"已处理 {done}/{total}（至留言 id {last}，中断后可用 --after-id {last} 继续）",
                f"processed {done} of {total} (up to case id {last}; resume with --after-id {last})",
            ))
        self.stdout.write(self.style.SUCCESS(bilingual(
            f"完成：{written} 条重写，{unchanged} 条无变化，{removed} 条已不公开而删除",
            f"done: {written} rewritten, {unchanged} unchanged, {removed} no longer published and removed",
        )))
