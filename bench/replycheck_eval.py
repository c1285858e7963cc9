"""Reply checks over real official replies (docs/intelligence.md, "Reply checks").

    .venv/bin/python bench/replycheck_eval.py [--data PATH] [--sample 40] [--seed 7] [--due-days 21]

Reads ``messages_with_replies.csv`` (default ``../shared/data/teddy2020/``; not in the repository),
runs ``insights.replycheck.check_reply`` on every (message, reply) pair, and prints

* the distribution of pass / warn / fail per check, and the most frequent reasons;
* a random sample of ``--sample`` warnings and failures with the rule's reason and an excerpt around
  the matched phrase, for hand-checking (the verdicts are recorded in the docs, not here).

The data carry no deadline: the timeliness check is given ``posted_at + --due-days`` calendar days
(21, about 15 working days, the usual limit of a city's message board) as the due time.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from minsheng.insights import replycheck  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "teddy2020" / "messages_with_replies.csv"
FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


def parse_time(raw: str) -> datetime | None:
    raw = (raw or "").strip()
    for fmt in FORMATS:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sample", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--due-days", type=int, default=21)
    ap.add_argument("--limit", type=int, default=0, help="only the first N rows (0: all)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data} not found (the real replies are not in the repository)")
        return 2
    with args.data.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if args.limit:
        rows = rows[: args.limit]
    words = replycheck.load_sensitive_words()
    levels: dict[str, Counter[str]] = {}
    reasons: dict[str, Counter[str]] = {}
    firings: list[tuple[int, str, str, str]] = []
    bad_times = 0
    t0 = time.perf_counter()
    for n, row in enumerate(rows):
        posted, replied = parse_time(row["posted_at"]), parse_time(row["replied_at"])
        if posted is None or replied is None:
            bad_times += 1
        due = posted + timedelta(days=args.due_days) if posted else None
        checks = replycheck.check_reply(f"{row['title']}。{row['text']}", row["reply"], sensitive_words=words,
                                        due_at=due, replied_at=replied)
        for c in checks:
            levels.setdefault(c.code, Counter())[c.level] += 1
            if c.level != replycheck.PASS:
                first = c.reasons[0]
                reasons.setdefault(c.code, Counter())[first.msgid] += 1
                firings.append((n, c.code, c.level, first.render()))
    seconds = time.perf_counter() - t0
    print(f"{len(rows)} replies checked in {seconds:.1f} s ({1000 * seconds / max(1, len(rows)):.1f} ms each); "
          f"{bad_times} rows without a parsable date")
    print(f"{'check':<15}{'pass':>8}{'warn':>8}{'fail':>8}")
    for code, counter in levels.items():
        print(f"{code:<15}" + "".join(f"{counter[lv]:>8}" for lv in (replycheck.PASS, replycheck.WARN, replycheck.FAIL)))
    for code, counter in reasons.items():
        print(f"\n{code}: most frequent reasons")
        for msgid, count in counter.most_common(4):
            print(f"  {count:>5}  {msgid}")
    rng = random.Random(args.seed)
    sample = rng.sample(firings, min(args.sample, len(firings)))
    print(f"\nrandom sample of {len(sample)} warnings/failures (line numbers count the CSV header as 1):")
    for n, code, level, text in sorted(sample):
        row = rows[n]
        print(f"\n[{n}] {code} {level}: {text}")
        print(f"   title: {row['title'][:60]}")
        print(f"   reply start: {row['reply'][:160]!r}")
        print(f"   reply end:   {row['reply'][-120:]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
