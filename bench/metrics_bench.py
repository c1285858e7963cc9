"""The metrics engine at scale on PostgreSQL (docs/performance.md, "Metrics (issue 4)").

Issue 4 asks for the figures of one site and one month over 1,000,000 cases in PostgreSQL in under
2 s. Two steps, one at a time (the machine is small):

    .venv/bin/python bench/metrics_bench.py --build [--rebuild]   # database minsheng_bench_metrics
    .venv/bin/python bench/metrics_bench.py --measure              # compute(), by_department(), cases_behind()

``--build`` creates the database (kept between runs; ``--rebuild`` drops it), migrates it, creates
the city of bench/backoffice_bench.py (a city, 5 districts, 30 departments, channels, categories,
staff), then loads with COPY 1,000,000 cases submitted over two years with everything the engine
reads: lead assignments (returns included), approved replies (two for a redone case), ratings,
return visits, approved exclusions, and the audit events of each case (submit, accept, dispatch,
receive, approve_reply, rate), about five million rows. The engine reads no events (every figure
comes from the case, its replies, ratings, return visits, assignments and exclusions), but the
table is full so that the database has its real size.

`compute()` stores nothing: every call reads the cases of the period, so a late event (a rating next
month, a redo) is in the next call's figures (see minsheng/metrics/tests/test_scenario.py). The month
snapshots that pages read for their trends are timed by bench/reports_bench.py --pages.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/minsheng_bench_metrics")

import backoffice_bench as bo  # noqa: E402 - after the path and the database name are set

bo.DATA_DIR = Path("/tmp/minsheng-bench-metrics")
N_CASES = 1_000_000
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
TARGET_S = 2.0

REPLY_COLUMNS = ("id", "case_id", "department_id", "author_id", "body", "public_body", "status", "review_comment",
                 "reviewed_by_id", "created_at", "submitted_at", "reviewed_at")
RATING_COLUMNS = ("case_id", "reply_id", "satisfaction", "solved", "comment", "created_at")
EVENT_COLUMNS = ("case_id", "action", "from_status", "to_status", "actor_id", "actor_kind", "department_id", "note",
                 "public_note", "data", "created_at")
EXCLUSION_COLUMNS = ("case_id", "department_id", "reason", "requested_by_id", "created_at", "state", "decided_by_id",
                     "decided_at", "decision_note")
TABLES = ("cases_case", "cases_assignment", "cases_reply", "cases_rating", "cases_followup", "cases_caseevent",
          "metrics_exclusion")

_ts = bo._ts


class _Spool:
    """Rows of one table written to a file as they are generated (millions of events would not fit
    comfortably in the memory of a shared machine), then COPY'd from it."""

    def __init__(self, table: str) -> None:
        self.path = bo.DATA_DIR / f"{table}.tsv"
        self.file = self.path.open("w", encoding="utf-8")
        self.count = 0

    def append(self, line: str) -> None:
        self.file.write(line + "\n")
        self.count += 1


def build(url: str, n_cases: int, rebuild: bool, seed: int = 4) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(bo._dsn(url, "postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not rebuild and (bo.DATA_DIR / bo.META).exists():
            print(f"{name} exists ({bo.meta()['summary']}); --rebuild to start again")
            return
        if exists:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    (bo.DATA_DIR / bo.META).unlink(missing_ok=True)
    started = time.monotonic()
    print(f"load average {bo.load_average()}; migrating {name} …", flush=True)
    bo._manage("migrate", "--noinput", "-v", "0")

    import django

    django.setup()
    from minsheng.accounts.models import User
    from minsheng.core.crypto import encrypt

    now = datetime.now(UTC).replace(microsecond=0)
    world = bo._world()
    staff = User.objects.get(username=world["handler"]).pk
    supervisor = User.objects.get(username=world["supervisor"]).pk
    rng = random.Random(seed)
    sites = world["sites"]
    by_site: dict[int, list[int]] = {}
    for dept_id, site_id in world["departments"]:
        by_site.setdefault(site_id, []).append(dept_id)
    weights = {s: bo._weights(len(ids)) for s, ids in by_site.items()}
    channels = {int(k): v for k, v in world["channels"].items()}
    name_token, phone_token = encrypt("张三"), encrypt("13800000000")
    lines = {t: _Spool(t) for t in TABLES if t != "cases_case"}
    counts: dict[str, int] = {}
    reply_id = 0
    start = (now - 730 * DAY).timestamp()
    end = (now - 6 * HOUR).timestamp()
    times = sorted(rng.uniform(start, end) for _ in range(n_cases))

    def event(pk: int, action: str, before: str, after: str, at: datetime, dept: int | None = None) -> None:
        lines["cases_caseevent"].append("\t".join([
            str(pk), action, before, after, "\\N" if action in ("submit", "rate") else str(staff),
            "citizen" if action in ("submit", "rate") else "staff", str(dept) if dept else "\\N", "", "", "{}",
            _ts(at)]))

    def reply(pk: int, dept: int, at: datetime) -> int:
        nonlocal reply_id
        reply_id += 1
        lines["cases_reply"].append("\t".join([
            str(reply_id), str(pk), str(dept), str(staff), "已办理。", "已办理。", "approved", "", str(staff),
            _ts(at - HOUR), _ts(at - HOUR), _ts(at)]))
        return reply_id

    def rows() -> Iterator[str]:
        for pk, ts in enumerate(times, start=1):
            submitted = datetime.fromtimestamp(ts, UTC)
            site = rng.choices(sites, [0.6] + [0.08] * (len(sites) - 1))[0]
            dept = rng.choices(by_site[site], weights[site])[0]
            roll = rng.random()
            status = ("rejected" if roll < 0.07 else "merged" if roll < 0.10 else "closed")
            accepted = submitted + rng.uniform(1, 30) * HOUR
            dispatched = accepted + rng.uniform(1, 24) * HOUR
            received = dispatched + rng.uniform(1, 40) * HOUR
            replied = dispatched + rng.uniform(1, 14) * DAY
            due = dispatched + 9.5 * DAY
            f: dict[str, Any] = dict.fromkeys(("accepted", "dispatched", "received", "replied", "closed", "due",
                                               "receive_due", "paused", "first_replied"))
            lead = None
            redo = 0
            event(pk, "submit", "", "submitted", submitted)
            if status in ("rejected", "merged"):
                if accepted > now:
                    status = "submitted"
                else:
                    f["closed"] = accepted
                    event(pk, "reject" if status == "rejected" else "merge", "submitted", status, accepted)
            elif accepted > now:
                status = "submitted"
            else:
                f["accepted"] = accepted
                event(pk, "accept", "submitted", "accepted", accepted)
                if dispatched > now:
                    status = "accepted"
                else:
                    lead = dept
                    f.update(dispatched=dispatched, receive_due=dispatched + 1.3 * DAY, due=due)
                    if rng.random() < 0.05:  # returned once by another department first
                        other = rng.choice(by_site[site])
                        lines["cases_assignment"].append("\t".join([
                            str(pk), str(other), "lead", "f", _ts(dispatched - 5 * HOUR), _ts(dispatched - 4 * HOUR), "",
                            _ts(dispatched - 3 * HOUR), "不属于本单位职责", "", "\\N"]))
                    event(pk, "dispatch", "accepted", "dispatched", dispatched, dept)
                    status = "dispatched"
                    if received <= now:
                        f["received"] = received
                        status = "processing"
                        event(pk, "receive", "dispatched", "processing", received, dept)
                        if rng.random() < 0.01 and received + HOUR < now:
                            status, f["paused"] = "need_info", received + HOUR
                        elif replied <= now and rng.random() < 0.97:
                            f["replied"] = f["first_replied"] = replied
                            rid = reply(pk, dept, replied)
                            event(pk, "approve_reply", "reviewing", "replied", replied, dept)
                            status = "replied"
                            rated_at = replied + rng.uniform(1, 72) * HOUR
                            if rated_at <= now and rng.random() < 0.8:
                                satisfaction = rng.choices(["satisfied", "basic", "dissatisfied"], [70, 20, 10])[0]
                                if satisfaction == "dissatisfied" and rated_at + 8 * DAY < now:
                                    redo = 1
                                    lines["cases_rating"].append("\t".join([
                                        str(pk), str(rid), satisfaction, "f", "", _ts(rated_at)]))
                                    event(pk, "rate", "replied", "processing", rated_at)
                                    f["due"] = rated_at + 9.5 * DAY
                                    second = rated_at + rng.uniform(1, 8) * DAY
                                    f["replied"] = second
                                    rid = reply(pk, dept, second)
                                    event(pk, "approve_reply", "reviewing", "replied", second, dept)
                                    rated_at = second + HOUR
                                    satisfaction = rng.choice(["satisfied", "basic"])
                                solved = satisfaction != "dissatisfied" and rng.random() < 0.9
                                lines["cases_rating"].append("\t".join([
                                    str(pk), str(rid), satisfaction, "t" if solved else "f", "", _ts(rated_at)]))
                                status = "closed" if satisfaction != "dissatisfied" else "disputed"
                                f["closed"] = rated_at if status == "closed" else None
                                event(pk, "rate", "replied", status, rated_at)
                                if status == "closed" and rng.random() < 0.1 and rated_at + 2 * DAY < now:
                                    visit = rated_at + 2 * DAY
                                    lines["cases_followup"].append("\t".join([
                                        str(pk), "sms", "done", f"t{pk}", "t" if rng.random() < 0.9 else "f",
                                        rng.choice(["satisfied", "basic"]), "", "\\N", _ts(visit - HOUR), _ts(visit)]))
                            if rng.random() < 0.001:
                                lines["metrics_exclusion"].append("\t".join([
                                    str(pk), str(dept), "不合理诉求", str(staff), _ts(replied), "approved",
                                    str(supervisor), _ts(replied + HOUR), "同意"]))
                    lines["cases_assignment"].append("\t".join([
                        str(pk), str(dept), "lead", "t", _ts(dispatched), _ts(f["received"]), "", "\\N", "", "",
                        "\\N"]))
            counts[status] = counts.get(status, 0) + 1
            channel = rng.choice(channels[site])
            category = rng.choice(world["categories"])
            next_due = f["due"] if status in ("dispatched", "processing") else None
            yield "\t".join([
                str(pk), str(site), str(channel), str(category), "\\N", str(lead) if lead else "\\N", status,
                "normal", "1", bo._code(submitted, pk), "0" * 64, "\\N", "路灯不亮", "小区路灯坏了，请修理。",
                name_token, phone_token, "", f"{pk:064x}", "f", "t", "", "", "\\N",
                _ts(submitted), _ts(f["accepted"]), _ts(f["dispatched"]), _ts(f["received"]),
                _ts(f["first_replied"]), _ts(f["closed"]), _ts(f["due"]), _ts(submitted + 1.3 * DAY),
                _ts(accepted + 1.3 * DAY if f["accepted"] else None), _ts(f["receive_due"]), "\\N", "\\N",
                _ts(next_due), _ts(f["paused"]), "f", "f", "\\N", str(redo), "f", "\\N",
            ]) + "\n"

    columns = {
        "cases_assignment": bo.ASSIGNMENT_COLUMNS, "cases_followup": bo.FOLLOWUP_COLUMNS,
        "cases_reply": REPLY_COLUMNS, "cases_rating": RATING_COLUMNS, "cases_caseevent": EVENT_COLUMNS,
        "metrics_exclusion": EXCLUSION_COLUMNS,
    }
    with psycopg.connect(bo._dsn(url)) as conn:
        rebuilt = bo.prepare_bulk_load(conn, TABLES)
        t0 = time.monotonic()
        bo.copy_cases(conn, rows(), n_cases, t0)
        print(f"\r  cases {n_cases:,} in {time.monotonic() - t0:.0f} s", flush=True)
        for table, spool in lines.items():
            spool.file.close()
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns[table])}) FROM STDIN") as copy, \
                    spool.path.open("rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
            spool.path.unlink()
            counts[table] = spool.count
            print(f"  {table}: {spool.count:,} rows ({time.monotonic() - t0:.0f} s)", flush=True)
        for table in TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                         f"(SELECT coalesce(max(id), 1) FROM {table}))")
        t1 = time.monotonic()
        for definition in rebuilt:
            conn.execute(definition)
        print(f"  {len(rebuilt)} indexes rebuilt in {time.monotonic() - t1:.0f} s", flush=True)
        conn.execute("SET session_replication_role = DEFAULT")
        conn.commit()
    with psycopg.connect(bo._dsn(url), autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
    total = time.monotonic() - started
    summary = f"{n_cases:,} cases, built {now:%Y-%m-%d %H:%M} UTC in {total:.0f} s, database {size[0] if size else '?'}"
    data = {"now": now.isoformat(), "summary": summary, "counts": counts, "world": world}
    (bo.DATA_DIR / bo.META).write_text(json.dumps(data, indent=1, ensure_ascii=False))
    print(f"  done: {summary}")
    print(json.dumps(counts, indent=1))


def _timed(call: Any, runs: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - t0)
    return seconds, result


def measure(runs: int, year: bool = False) -> bool:
    import django

    django.setup()
    from django.db import connection

    from minsheng.metrics.engine import Scope, by_department, cases_behind, compute, summarize
    from minsheng.sites.models import Site

    info = bo.meta()
    built = datetime.fromisoformat(info["now"])
    last = (built.date().replace(day=1) - timedelta(days=1)).replace(day=1)  # the last full month
    month_end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    city = Site.objects.get(code="bench-city")
    district = Site.objects.get(code="bench-d0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        total = cursor.fetchone()[0]  # type: ignore[index]
    print(f"{info['summary']}; {total:,} cases in the table; load average {bo.load_average()}")
    ok = True
    cases: list[tuple[str, Any]] = [
        ("compute, city with its districts, one month", lambda: compute(Scope(city, last, month_end))),
        ("compute, one district, one month", lambda: compute(Scope(district, last, month_end))),
        ("by_department, city, one month", lambda: by_department(Scope(city, last, month_end))),
        ("summarize (compute + by_department from one load, the dashboard's), city, one month",
         lambda: summarize(Scope(city, last, month_end)).total),
        ("cases_behind on_time_rate numerator, city, one month (counted)",
         lambda: cases_behind(Scope(city, last, month_end), "on_time_rate", "numerator").count()),
    ]
    if year:
        cases.append(("compute, city, twelve months (for scale)",
                      lambda: compute(Scope(city, date(last.year - 1, last.month, 1), month_end))))
    for label, call in cases:
        call()  # warm the connection and the calendar
        seconds, result = _timed(call, runs)
        median = statistics.median(seconds)
        flag = "ok" if median < TARGET_S or "scale" in label else "SLOW"
        ok = ok and flag == "ok"
        detail = ""
        if hasattr(result, "counts"):
            detail = f"{result.counts['cases']:,} cases, on-time {result.on_time_rate.numerator}/{result.on_time_rate.denominator}"
        elif isinstance(result, list):
            detail = f"{len(result)} departments"
        else:
            detail = f"{result:,} cases"
        print(f"  {label}: median {median:.2f} s, max {max(seconds):.2f} s over {runs} runs ({detail}) {flag}")
    print(f"load average after: {bo.load_average()}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--measure", action="store_true")
    parser.add_argument("--cases", type=int, default=N_CASES)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", action="store_true", help="also time twelve months (slow, for scale)")
    args = parser.parse_args(argv)
    url = bo.configure()
    if args.build or args.rebuild:
        build(url, args.cases, args.rebuild)
    if args.measure:
        return 0 if measure(args.runs, args.year) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
