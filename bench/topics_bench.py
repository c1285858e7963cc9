"""Topics over a large site (docs/performance.md, "Topics (issue 6)").

Builds (once, cached under /tmp/minsheng-bench-topics) a SQLite database with N synthetic cases
submitted over the last 80 days (inside the default 90-day window), with their masked public
text, using the phrase generators of bench/portal_bench.py; then, through the same code the
worker runs (`minsheng.opinion.engine`):

1. ``refit``: the nightly full fit over the window -- read the cases, cluster them, write the
   topics and memberships and the model state (target: under 5 minutes for 100,000 cases);
2. ``assign_new`` after 1,000 new cases: the minute task's incremental update (target: under
   10 s), including the surge check;
3. with ``--refit-again``, a second ``refit`` that matches the new clusters to the existing
   topics (the nightly run on a site that already has topics).

    .venv/bin/python bench/topics_bench.py --cases 100000
    .venv/bin/python bench/topics_bench.py --cases 100000 --workers 1 --refit-again

Times are wall and CPU seconds of this process (CPU of the segmentation workers is not included
in the CPU figure; the wall time is the one the targets refer to). No real data is used.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from portal_bench import CHANNELS, DEMANDS, DEPARTMENTS, DETAILS, ESTATES, PROBLEMS, ROADS, configure  # noqa: E402

DEFAULT_DIR = Path("/tmp/minsheng-bench-topics")
SITE = "a-city"
FIT_TARGET_S = 300.0
ADD_TARGET_S = 10.0


# Besides the named estates and roads of the portal benchmark, thousands of made-up places, so that
# most messages are about a concern nobody else raised (as on a real board) and the named places
# gather the recurring concerns.
NAME_CHARS = "东西南北金银翠碧锦绣华新城春秋明德安康福寿嘉和泰丰盛兴龙凤祥瑞云海湖山桂兰松竹梅荷"
SUFFIXES = ("小区", "花园", "苑", "村", "路", "街", "家园", "公寓")


class Texts:
    """Synthetic messages from the portal benchmark's phrases (no segmentation needed here)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def place(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.choice(ESTATES) if rng.random() < 0.6 else rng.choice(ROADS)
        return rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + rng.choice(SUFFIXES)

    def make(self) -> tuple[str, str]:
        rng = self.rng
        place, problem = self.place(), rng.choice(PROBLEMS)
        title = rng.choice(("", "", "关于", "投诉", "反映")) + place + problem
        body = "".join([f"我住在{rng.choice(ROADS)}{place}，", f"{problem}，",
                        *rng.sample(DETAILS, rng.randint(2, 4)), rng.choice(DEMANDS)])
        return title, body


def _manage(*args: str) -> None:
    import subprocess

    subprocess.run([sys.executable, str(REPO / "manage.py"), *args], check=True, cwd=REPO)


def _case_rows(site, channels, departments, texts: Texts, rng: random.Random, start: int, count: int,  # type: ignore[no-untyped-def]
               *, now: datetime, days: float):
    from minsheng.cases.models import Case, Status

    rows = []
    for i in range(start, start + count):
        title, body = texts.make()
        submitted = now - timedelta(days=rng.uniform(0, days)) if days else now - timedelta(seconds=rng.uniform(0, 50))
        citizen = rng.randrange(max(1, (start + count) // 2))  # some citizens write twice
        rows.append(Case(
            site=site, channel=rng.choice(channels), lead_department=rng.choice(departments),
            status=rng.choice([Status.ACCEPTED, Status.PROCESSING, Status.REPLIED, Status.CLOSED]),
            tracking_code=f"{submitted:%Y%m%d}T{i:07d}", query_password_digest="0" * 64,
            title=title, body=body + "我叫张三，电话13800000000。", citizen_name="张三",
            citizen_phone="13800000000", citizen_digest=f"{citizen:064x}", wants_public=True,
            public_title=title, public_body=body, submitted_at=submitted, accepted_at=submitted,
        ))
    return rows


def build(db: Path, cases: int, seed: int = 11) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.monotonic()
    _manage("migrate", "--noinput", "-v", "0")
    import django

    django.setup()
    from django.db import connection, transaction

    from minsheng.cases.models import Case
    from minsheng.sites.models import Channel, Department, Site

    rng = random.Random(seed)
    texts = Texts(rng)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=OFF")
    city = Site.objects.create(code=SITE, name="A市人民政府")
    departments = [Department.objects.create(site=city, name=f"A市{name}") for name in DEPARTMENTS]
    channels = [Channel.objects.create(site=city, kind=kind, name=name) for kind, name in CHANNELS]
    now = datetime.now(UTC)
    made = 0
    while made < cases:
        size = min(5000, cases - made)
        with transaction.atomic():
            Case.objects.bulk_create(_case_rows(city, channels, departments, texts, rng, made, size, now=now, days=80))
        made += size
        print(f"\r  built {made:,}/{cases:,} cases ({time.monotonic() - started:.0f} s)", end="", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    Path(f"{db}.ok").write_text(f"{cases} cases, seed {seed}\n")
    print(f"\n  done in {time.monotonic() - started:.0f} s: {db}")


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU")
    return result, wall


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--refit-again", action="store_true")
    ap.add_argument("--add-only", action="store_true",
                    help="keep the topics of a previous run; only time assign_new on 1,000 more cases")
    args = ap.parse_args(argv)

    db = configure(args.dir, args.cases)
    if args.rebuild or not Path(f"{db}.ok").exists():
        print(f"building {db} ...")
        build(db, args.cases)
    import django

    django.setup()
    from django.db import connection

    from minsheng.cases.models import Case
    from minsheng.opinion import engine
    from minsheng.opinion.models import OpinionEvent, SurgeAlert, Topic, TopicMember, TopicModelSnapshot
    from minsheng.sites.models import Channel, Department, Site

    site = Site.objects.get(code=SITE)
    fit_wall = 0.0
    if not args.add_only or not TopicModelSnapshot.objects.filter(site=site).exists():
        # Start from a site without topics (the cached database may hold a previous run's).
        Case.objects.filter(tracking_code__startswith="NEW").delete()
        for model in (TopicMember, SurgeAlert, OpinionEvent, Topic, TopicModelSnapshot):
            model.objects.all().delete()
    total = Case.objects.filter(site=site).count()
    print(f"{total:,} cases; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    if not TopicModelSnapshot.objects.filter(site=site).exists():
        _result, fit_wall = timed(
            f"refit (first fit, workers={args.workers})", lambda: engine.refit(site, workers=args.workers))
    sizes = sorted(Topic.objects.filter(site=site, state="active").values_list("case_count", flat=True),
                   reverse=True)
    print(f"  {len(sizes):,} topics, largest {sizes[:5]}, {sum(1 for s in sizes if s == 1):,} singletons; "
          f"model state {len(str(TopicModelSnapshot.objects.get(site=site).state)) / 1e6:.1f} MB")

    rng = random.Random(99)
    texts = Texts(rng)
    rows = _case_rows(site, list(Channel.objects.filter(site=site)), list(Department.objects.filter(site=site)),
                      texts, rng, 0, args.new, now=datetime.now(UTC), days=0)
    stamp = f"{time.time():.0f}"[-6:]  # each --add-only run adds cases the model has not seen
    for k, row in enumerate(rows):
        row.tracking_code = f"NEW{stamp}{k:05d}"
    Case.objects.bulk_create(rows)
    added, add_wall = timed(f"assign_new ({args.new:,} new cases)", lambda: engine.assign_new(site))
    print(f"  assigned {added.assigned:,} cases to {len(added.topics):,} topics, {len(added.surges)} surge alerts")

    if args.refit_again:
        _again, _wall = timed("refit again (topics exist: identities matched)",
                             lambda: engine.refit(site, workers=args.workers))
        print(f"  {OpinionEvent.objects.filter(action='refit').last().data}")  # type: ignore[union-attr]

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB; load average now {os.getloadavg()[0]:.2f}")
    fit_verdict = "not run" if not fit_wall else "met" if fit_wall < FIT_TARGET_S else "MISSED"
    ok = fit_wall < FIT_TARGET_S and add_wall < ADD_TARGET_S
    print(f"targets: fit < {FIT_TARGET_S:.0f} s {fit_verdict}, "
          f"add < {ADD_TARGET_S:.0f} s {'met' if add_wall < ADD_TARGET_S else 'MISSED'}")
    connection.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
