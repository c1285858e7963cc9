"""Back office at scale on PostgreSQL: the staff queues and the deadline scan (docs/performance.md,
"Back office (issue 3)").

Issue 3 asks for queue pages under 150 ms (median) and a deadline scan under 60 s with 1,000,000
cases, 100,000 of them open, in PostgreSQL. Three steps, run one at a time (the machine is small):

    .venv/bin/python bench/backoffice_bench.py --build [--rebuild]   # database minsheng_bench
    .venv/bin/python bench/backoffice_bench.py --scan                # scan twice: catch-up, then idempotent
    .venv/bin/python bench/backoffice_bench.py --queues              # gunicorn, 200 requests per page
    .venv/bin/python bench/backoffice_bench.py --explain             # slowest SQL per page + EXPLAIN ANALYZE

``--build`` creates the database ``minsheng_bench`` (kept between runs; ``--rebuild`` drops it),
migrates it, creates a city with 5 districts, 30 departments, channels, categories and staff, then
loads the cases, their assignments and recent return visits with COPY. Personal fields hold one
token encrypted once. No audit events are written (the queues and the scan do not read them).

The database is named by DATABASE_URL (default postgres://postgres@127.0.0.1:5432/minsheng_bench);
the other MINSHENG_* variables get bench defaults unless already set.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import html
import http.client
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode, urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from portal_bench import DEMANDS, DEPARTMENTS, DETAILS, ESTATES, PROBLEMS, ROADS, Server, gunicorn, p95  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minsheng_bench"
DATA_DIR = Path("/tmp/minsheng-bench-bo")
META = "build.json"
PASSWORD = "bench-password-2024"  # noqa: S105 - throw-away bench accounts
TARGET_MS = 150.0
SCAN_TARGET_S = 60.0

CITY_DEPARTMENTS = 20
DISTRICTS = ["东城区", "西城区", "南湖区", "北山区", "高新区"]
DISTRICT_DEPARTMENTS = ["住房和城乡建设局", "城市管理局"]
CHANNEL_KINDS = [("mailbox", "领导信箱"), ("complaint", "投诉"), ("inquiry", "咨询"), ("suggestion", "建议"),
                 ("help", "求助")]
CATEGORIES = {
    "城乡建设": ["住房保障", "物业管理"], "环境保护": ["噪声污染", "大气污染"], "交通出行": ["公共交通", "道路设施"],
    "教育": ["入学", "收费"], "医疗卫生": ["医保"], "劳动保障": ["工资拖欠", "社保"], "市场监管": ["食品安全"],
    "社会治安": [],
}
# Open cases by status (share of the open cases).
OPEN_MIX = [("submitted", 7), ("accepted", 5), ("returned", 2), ("dispatched", 12), ("processing", 55),
            ("reviewing", 10), ("need_info", 9)]
# Where the current deadline of a running clock falls, relative to the build time.
DEADLINE_MIX = [("overdue", 8), ("soon", 6), ("later", 86)]
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


# ---- environment -----------------------------------------------------------------------------------


def configure(data_dir: Path | None = None, url: str | None = None) -> str:
    """Bench defaults for every MINSHENG_* variable not already set (other benches pass their own
    data folder and database)."""
    data_dir = data_dir or DATA_DIR
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "static").mkdir(exist_ok=True)
    defaults = {
        "DJANGO_SETTINGS_MODULE": "minsheng.settings",
        "MINSHENG_SECRET_KEY": "bench",
        "MINSHENG_FIELD_KEYS": "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0xMjM=",
        "MINSHENG_SECURE_COOKIES": "0",
        "MINSHENG_DATA_DIR": str(data_dir),
        "DATABASE_URL": url or DEFAULT_URL,
        "MINSHENG_DEBUG": "0",
        "MINSHENG_LOG_LEVEL": "WARNING",
        # Three logins per run; several runs an hour must not trip the login rate limit.
        "MINSHENG_RATE_LOGIN": "1000/h",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    return os.environ["DATABASE_URL"]


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(REPO / "manage.py"), *args], check=True, cwd=REPO)


def _dsn(url: str, dbname: str | None = None) -> str:
    parts = urlparse(url)
    name = dbname or parts.path.lstrip("/")
    return (f"host={parts.hostname} port={parts.port or 5432} user={parts.username or 'postgres'} "
            f"dbname={name}" + (f" password={parts.password}" if parts.password else ""))


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def meta() -> dict[str, Any]:
    path = DATA_DIR / META
    if not path.exists():
        sys.exit(f"{path} is missing: run --build first")
    return json.loads(path.read_text())


# ---- build -----------------------------------------------------------------------------------------


def build(url: str, n_cases: int, n_open: int, rebuild: bool, seed: int = 11) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(_dsn(url, "postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not rebuild and (DATA_DIR / META).exists():
            print(f"{name} exists ({meta()['summary']}); --rebuild to start again")
            return
        if exists:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    (DATA_DIR / META).unlink(missing_ok=True)
    started = time.monotonic()
    print(f"load average {load_average()}; migrating {name} …", flush=True)
    _manage("migrate", "--noinput", "-v", "0")
    _manage("createcachetable")
    migrated = time.monotonic()

    import django

    django.setup()
    now = datetime.now(UTC).replace(microsecond=0)
    world = _world()
    print(f"  migrated in {migrated - started:.0f} s, sites and staff in {time.monotonic() - migrated:.0f} s; "
          f"loading {n_cases:,} cases …", flush=True)
    rng = random.Random(seed)
    counts = _load(url, world, now, n_cases, n_open, rng)
    loaded = time.monotonic()
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) cases_case")
        conn.execute("VACUUM (ANALYZE) cases_assignment")
        conn.execute("VACUUM (ANALYZE) cases_followup")
        conn.execute("ANALYZE")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database())), "
                            "pg_size_pretty(pg_total_relation_size('cases_case'))").fetchone()
    total = time.monotonic() - started
    summary = (f"{n_cases:,} cases ({n_open:,} open), built {now:%Y-%m-%d %H:%M} UTC in {total:.0f} s, "
               f"database {size[0] if size else '?'}")
    data = {
        "now": now.isoformat(), "summary": summary, "counts": counts, "world": world,
        "seconds": {"migrate": round(migrated - started, 1), "load": round(loaded - migrated, 1),
                    "vacuum_analyze": round(time.monotonic() - loaded, 1), "total": round(total, 1)},
        "sizes": {"database": size[0] if size else "", "cases_case_total": size[1] if size else ""},
    }
    (DATA_DIR / META).write_text(json.dumps(data, indent=1, ensure_ascii=False))
    print(f"  done: {summary}")
    print(json.dumps({k: data[k] for k in ("counts", "seconds", "sizes")}, indent=1))


def _world() -> dict[str, Any]:
    """Sites, departments, channels, categories and staff, through the ORM (a few hundred rows)."""
    from minsheng.accounts.models import Role, RoleKind, User
    from minsheng.sites.models import Category, Channel, Department, Site

    city = Site.objects.create(code="bench-city", name="B市人民政府", sort_order=0)
    sites = [city] + [Site.objects.create(code=f"bench-d{i}", name=f"B市{n}人民政府", parent=city, sort_order=i + 1)
                      for i, n in enumerate(DISTRICTS)]
    departments: list[tuple[int, int]] = []  # (id, site id)
    for i, n in enumerate(DEPARTMENTS[:CITY_DEPARTMENTS]):
        departments.append((Department.objects.create(site=city, name=f"B市{n}", sort_order=i).pk, city.pk))
    for site, district in zip(sites[1:], DISTRICTS, strict=True):
        for i, n in enumerate(DISTRICT_DEPARTMENTS):
            departments.append((Department.objects.create(site=site, name=f"{district}{n}", sort_order=i).pk, site.pk))
    channels: dict[int, list[int]] = {
        site.pk: [Channel.objects.create(site=site, kind=kind, name=label, sort_order=i).pk
                  for i, (kind, label) in enumerate(CHANNEL_KINDS)]
        for site in sites
    }
    categories: list[int] = []
    for top, children in CATEGORIES.items():
        parent = Category.objects.create(name=top, level=1)
        categories.append(parent.pk)
        categories += [Category.objects.create(name=c, parent=parent, level=2).pk for c in children]

    from django.contrib.auth.hashers import make_password

    hashed = make_password(PASSWORD)  # once: 32 PBKDF2 hashes would take a minute on a busy machine

    def user(username: str, display: str) -> User:
        return User.objects.create(username=username, password=hashed, display_name=display)

    intake = user("bench-intake", "受理员")
    Role.objects.create(user=intake, kind=RoleKind.INTAKE, site=city, include_subsites=True)
    supervisor = user("bench-supervisor", "督办员")
    Role.objects.create(user=supervisor, kind=RoleKind.SUPERVISOR, site=city, include_subsites=True)
    handlers = []
    for i, (dept_id, site_id) in enumerate(departments):
        u = user(f"bench-handler-{i:02d}", f"承办员{i:02d}")
        Role.objects.create(user=u, kind=RoleKind.HANDLER, site_id=site_id, department_id=dept_id)
        handlers.append(u.username)
    return {
        "sites": [s.pk for s in sites], "departments": departments, "channels": channels,
        "categories": categories, "intake": intake.username, "supervisor": supervisor.username,
        # The first city department gets the most cases (weights below): the handler benchmarked.
        "handler": handlers[0], "handler_department": departments[0][0],
    }


def _weights(n: int) -> list[float]:
    """Zipf-like: a few departments get most of the cases, as in real cities."""
    return [1.0 / (i + 1) ** 0.8 for i in range(n)]


class _Case(SimpleNamespace):
    """What deadlines.running_deadlines reads; the same function decides next_due_at here."""


def _open_case(rng: random.Random, now: datetime) -> dict[str, Any]:
    """An open case whose stage timestamps and deadlines agree with its status."""
    from minsheng.cases.deadlines import current_deadline

    status = rng.choices([s for s, _w in OPEN_MIX], [w for _s, w in OPEN_MIX])[0]
    is_complex = rng.random() < 0.02
    contact_running = status == "processing" and rng.random() < 0.3
    reply_span = (20 if is_complex else 9.5) * DAY
    # How long the current stage lasts: its deadline can be at most that far ahead.
    span = {"processing": 2.8 * DAY if contact_running else reply_span, "reviewing": reply_span}.get(status, 1.3 * DAY)
    band = rng.choices([b for b, _w in DEADLINE_MIX], [w for _b, w in DEADLINE_MIX])[0]
    if band == "overdue":
        # Mostly a few days late; a tail unanswered for months (the inspection red lines).
        cur = now - (rng.uniform(1, 90) * DAY if rng.random() < 0.1 else rng.uniform(0.05, 10) * DAY)
    elif band == "soon":
        cur = now + rng.uniform(0.02, 23.5) * HOUR
    else:
        cur = now + rng.uniform(1.05 * DAY / span, 1) * span
    c: dict[str, Any] = {
        "status": status, "paused_at": None, "lead": False, "accept_due_at": None, "dispatch_due_at": None, "receive_due_at": None,
        "contact_due_at": None, "due_at": None, "first_contact_at": None, "accepted_at": None, "dispatched_at": None,
        "received_at": None, "is_complex": is_complex,
    }

    def intake_before(accepted: datetime) -> None:
        c["accepted_at"] = accepted
        c["submitted_at"] = accepted - rng.uniform(1, 30) * HOUR
        c["accept_due_at"] = c["submitted_at"] + 1.3 * DAY

    def dispatched(at: datetime) -> None:
        intake_before(at - rng.uniform(1, 24) * HOUR)
        c["dispatch_due_at"] = c["accepted_at"] + 1.3 * DAY
        c["dispatched_at"] = at
        c["receive_due_at"] = at + 1.3 * DAY
        c["due_at"] = at + reply_span

    if status == "submitted":
        c["accept_due_at"] = cur
        c["submitted_at"] = cur - 1.3 * DAY
    elif status in ("accepted", "returned"):
        intake_before(cur - 1.3 * DAY)
        c["dispatch_due_at"] = cur
        if status == "returned":  # dispatched once, returned by the department: no lead until re-dispatch
            c["dispatched_at"] = c["accepted_at"] + rng.uniform(1, 8) * HOUR
            c["received_at"] = c["dispatched_at"] + rng.uniform(1, 8) * HOUR
    elif status == "dispatched":
        dispatched(cur - 1.3 * DAY)
        c["receive_due_at"] = cur
        c["lead"] = True
    elif status in ("processing", "reviewing"):
        if contact_running:
            received = cur - 2.8 * DAY
            dispatched(received - rng.uniform(1, 12) * HOUR)
            c["contact_due_at"] = cur
        else:
            dispatched(cur - reply_span)
            received = c["dispatched_at"] + rng.uniform(1, 12) * HOUR
            c["contact_due_at"] = received + 2.8 * DAY
            c["first_contact_at"] = received + rng.uniform(2, 40) * HOUR
        c["received_at"] = received
        c["lead"] = True
    else:  # need_info: the clock is stopped while the citizen sends material
        after_dispatch = rng.random() < 0.5
        if after_dispatch:
            dispatched(now - rng.uniform(1, 12) * DAY)
            c["received_at"] = c["dispatched_at"] + rng.uniform(1, 12) * HOUR
            c["lead"] = True
            c["paused_at"] = c["received_at"] + rng.uniform(1, 48) * HOUR
        else:
            c["submitted_at"] = now - rng.uniform(1, 10) * DAY
            c["accept_due_at"] = c["submitted_at"] + 1.3 * DAY
            c["paused_at"] = c["submitted_at"] + rng.uniform(1, 20) * HOUR
        c["paused_at"] = min(c["paused_at"], now - HOUR)
    current = current_deadline(_Case(**c))  # type: ignore[arg-type]
    c["next_due_at"] = current[1] if current else None
    return c


_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _code(submitted: datetime, pk: int) -> str:
    out = []
    for _ in range(6):
        pk, r = divmod(pk, len(_ALPHABET))
        out.append(_ALPHABET[r])
    return f"{submitted + 8 * HOUR:%Y%m%d}{''.join(reversed(out))}"


def _ts(value: datetime | None) -> str:
    return "\\N" if value is None else value.isoformat()


CASE_COLUMNS = (
    "id", "site_id", "channel_id", "category_id", "leader_id", "lead_department_id", "status", "priority", "version",
    "tracking_code", "query_password_digest", "submit_token", "title", "body", "citizen_name", "citizen_phone",
    "citizen_email", "citizen_digest", "wants_public", "publish_agreed", "public_title", "public_body",
    "published_at", "submitted_at", "accepted_at", "dispatched_at", "received_at", "replied_at", "closed_at", "due_at",
    "accept_due_at", "dispatch_due_at", "receive_due_at", "contact_due_at", "first_contact_at", "next_due_at",
    "paused_at", "is_supervised", "is_complex", "merged_into_id", "redo_count", "is_imported", "import_key",
)
ASSIGNMENT_COLUMNS = ("case_id", "department_id", "role", "is_active", "dispatched_at", "received_at", "instruction",
                      "returned_at", "return_reason", "input_text", "input_at")
FOLLOWUP_COLUMNS = ("case_id", "method", "state", "token", "solved", "satisfaction", "answer", "recorded_by_id",
                    "created_at", "answered_at")


def prepare_bulk_load(conn: Any, tables: Sequence[str]) -> list[str]:
    """A throw-away database: no foreign-key triggers during the load (the generators keep the
    references valid; the builds check them after) and the secondary indexes of `tables` dropped,
    to be rebuilt once at the end from the definitions returned."""
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET maintenance_work_mem = '512MB'")
    conn.execute("SET synchronous_commit = off")
    rebuilt = []
    for table in tables:
        for index, definition in conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [table],
        ).fetchall():
            conn.execute(f'DROP INDEX "{index}"')
            rebuilt.append(definition)
    return rebuilt


def copy_cases(conn: Any, lines: Iterator[str], n_cases: int, t0: float) -> None:
    """COPY the generated case rows in batches of 20,000, with progress."""
    with conn.cursor() as cur, cur.copy(f"COPY cases_case ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
        buffer: list[str] = []
        for i, line in enumerate(lines, start=1):
            buffer.append(line)
            if len(buffer) == 20_000:
                copy.write("".join(buffer))
                buffer.clear()
                print(f"\r  cases {i:,}/{n_cases:,} ({time.monotonic() - t0:.0f} s)", end="", flush=True)
        copy.write("".join(buffer))


def _load(url: str, world: dict[str, Any], now: datetime, n_cases: int, n_open: int,
          rng: random.Random) -> dict[str, int]:
    import psycopg
    from django.db import connection

    from minsheng.core.crypto import encrypt

    # Every column the database has must be one written here (or have a default we accept).
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name, is_nullable, column_default FROM information_schema.columns "
                       "WHERE table_name = 'cases_case'")
        db_columns = {name: (nullable, default) for name, nullable, default in cursor.fetchall()}
    missing = [c for c in CASE_COLUMNS if c not in db_columns]
    extra = [c for c, (nullable, default) in db_columns.items()
             if c not in CASE_COLUMNS and nullable == "NO" and default is None]
    if missing or extra:
        raise SystemExit(f"cases_case changed: missing {missing}, new NOT NULL columns {extra}; update CASE_COLUMNS")

    name_token, phone_token = encrypt("张三"), encrypt("13800000000")
    sites = world["sites"]
    departments = world["departments"]
    by_site: dict[int, list[int]] = {}
    for dept_id, site_id in departments:
        by_site.setdefault(site_id, []).append(dept_id)
    dept_weights = {s: _weights(len(ids)) for s, ids in by_site.items()}
    channels = {int(k): v for k, v in world["channels"].items()}
    categories = world["categories"]
    site_weights = [0.6] + [0.08] * (len(sites) - 1)

    # Submission times: history uniformly over three years (ending 22 days ago, so that every
    # history case could be closed by now); open cases follow from their deadlines.
    n_history = n_cases - n_open
    start, end = (now - 3 * 365 * DAY).timestamp(), (now - 22 * DAY).timestamp()
    history_times = sorted(rng.uniform(start, end) for _ in range(n_history))
    open_cases = [_open_case(rng, now) for _ in range(n_open)]
    open_cases.sort(key=lambda c: c["submitted_at"])
    stream = heapq.merge(
        ((t, 0, i) for i, t in enumerate(history_times)),
        ((c["submitted_at"].timestamp(), 1, i) for i, c in enumerate(open_cases)),
    )

    counts: dict[str, int] = {}
    assignments: list[str] = []
    followups: list[str] = []
    followup_from, followup_to = now - 31 * DAY, now - 25 * HOUR
    digest_key = secrets.token_bytes(16)

    def rows() -> Iterator[str]:
        for pk, (ts, is_open, index) in enumerate(stream, start=1):
            site = rng.choices(sites, site_weights)[0]
            dept = rng.choices(by_site[site], dept_weights[site])[0]
            channel = rng.choice(channels[site])
            category = rng.choice(categories)
            priority = rng.choices(["normal", "urgent", "emergency"], [90, 8, 2])[0]
            place = rng.choice(ESTATES) if rng.random() < 0.6 else rng.choice(ROADS)
            problem = rng.choice(PROBLEMS)
            title = place + problem
            body = f"我住在{place}，{problem}，{rng.choice(DETAILS)}{rng.choice(DEMANDS)}"
            published = public_title = public_body = None
            replied_at = closed_at = merged_into = None
            if is_open:
                c = open_cases[index]
                status = c["status"]
                submitted = c["submitted_at"]
                lead = dept if c["lead"] else None
                supervised = rng.random() < 0.03
                fields = c
            else:
                submitted = datetime.fromtimestamp(ts, UTC)
                status = rng.choices(["closed", "rejected", "merged"], [85, 10, 5])[0]
                supervised = rng.random() < 0.01
                accepted = submitted + rng.uniform(1, 30) * HOUR
                fields = {"accept_due_at": submitted + 1.3 * DAY, "is_complex": False, "paused_at": None,
                              "next_due_at": None, "first_contact_at": None, "dispatch_due_at": None, "receive_due_at": None,
                              "contact_due_at": None, "due_at": None, "accepted_at": None, "dispatched_at": None,
                              "received_at": None}
                lead = None
                if status == "closed":
                    lead = dept
                    dispatched_at = accepted + rng.uniform(1, 24) * HOUR
                    received_at = dispatched_at + rng.uniform(1, 24) * HOUR
                    replied_at = dispatched_at + rng.uniform(1, 12) * DAY
                    closed_at = replied_at + rng.uniform(1, 7 * 24) * HOUR
                    fields.update(accepted_at=accepted, dispatched_at=dispatched_at, received_at=received_at,
                                  dispatch_due_at=accepted + 1.3 * DAY, receive_due_at=dispatched_at + 1.3 * DAY,
                                  contact_due_at=received_at + 2.8 * DAY,
                                  first_contact_at=received_at + rng.uniform(2, 40) * HOUR,
                                  due_at=dispatched_at + 9.5 * DAY)
                    if rng.random() < 0.5:
                        published, public_title, public_body = closed_at, title, body
                    if followup_from <= closed_at <= followup_to:
                        answered = rng.random() < 0.7
                        followups.append("\t".join([
                            str(pk), "sms" if rng.random() < 0.8 else "phone", "done" if answered else "pending",
                            secrets.token_urlsafe(24), "t" if answered else "\\N", "satisfied" if answered else "",
                            "", "\\N", _ts(closed_at + 24 * HOUR), _ts(closed_at + 30 * HOUR if answered else None),
                        ]))
                else:
                    closed_at = accepted
                    if status == "merged" and pk > 1:
                        merged_into = rng.randint(max(1, pk - 5000), pk - 1)
            if lead is not None or fields.get("dispatched_at"):
                lead_dept = lead or dept
                returned = status == "returned"
                assignments.append("\t".join([
                    str(pk), str(lead_dept), "lead", "f" if returned else "t", _ts(fields["dispatched_at"]),
                    _ts(fields["received_at"]), "", _ts(fields["received_at"] + HOUR if returned else None),
                    "不属于本单位职责" if returned else "", "", "\\N",
                ]))
                if not returned and rng.random() < 0.1:
                    helper = rng.choice([d for d, _s in departments if d != lead_dept])
                    assignments.append("\t".join([
                        str(pk), str(helper), "assisting", "t", _ts(fields["dispatched_at"]), "\\N", "", "\\N", "",
                        "", "\\N"]))
            counts[status] = counts.get(status, 0) + 1
            redo = 1 if rng.random() < 0.02 else 0
            digest = hashlib.blake2b(str(pk).encode(), key=digest_key, digest_size=32).hexdigest()
            yield "\t".join([
                str(pk), str(site), str(channel), str(category), "\\N", str(lead) if lead else "\\N", status, priority,
                str(1 + redo), _code(submitted, pk), "0" * 64, "\\N", title, body, name_token, phone_token, "", digest,
                "t" if published else "f", "t", public_title or "", public_body or "", _ts(published),
                _ts(submitted), _ts(fields["accepted_at"]), _ts(fields["dispatched_at"]), _ts(fields["received_at"]),
                _ts(replied_at), _ts(closed_at), _ts(fields["due_at"]), _ts(fields["accept_due_at"]),
                _ts(fields["dispatch_due_at"]), _ts(fields["receive_due_at"]), _ts(fields["contact_due_at"]),
                _ts(fields["first_contact_at"]), _ts(fields["next_due_at"]), _ts(fields["paused_at"]),
                "t" if supervised else "f", "t" if fields["is_complex"] else "f",
                str(merged_into) if merged_into else "\\N", str(redo), "f", "\\N",
            ]) + "\n"

    with psycopg.connect(_dsn(url)) as conn:
        # A throw-away database: no foreign-key triggers during the load (the generator keeps the
        # references valid; checked below) and secondary indexes built once at the end.
        rebuilt = prepare_bulk_load(conn, ("cases_case", "cases_assignment", "cases_followup"))
        t0 = time.monotonic()
        copy_cases(conn, rows(), n_cases, t0)
        print(f"\r  cases {n_cases:,} in {time.monotonic() - t0:.0f} s; {len(assignments):,} assignments, "
              f"{len(followups):,} return visits …", flush=True)
        for table, columns, lines in (("cases_assignment", ASSIGNMENT_COLUMNS, assignments),
                                      ("cases_followup", FOLLOWUP_COLUMNS, followups)):
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for chunk in range(0, len(lines), 50_000):
                    copy.write("\n".join(lines[chunk:chunk + 50_000]) + "\n")
        for table in ("cases_case", "cases_assignment", "cases_followup"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                         f"(SELECT max(id) FROM {table}))")
        t1 = time.monotonic()
        for definition in rebuilt:
            conn.execute(definition)
        print(f"  {len(rebuilt)} indexes rebuilt in {time.monotonic() - t1:.0f} s", flush=True)
        conn.execute("SET session_replication_role = DEFAULT")
        bad = conn.execute(
            "SELECT (SELECT count(*) FROM cases_case c WHERE c.lead_department_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM sites_department d WHERE d.id = c.lead_department_id)) + "
            "(SELECT count(*) FROM cases_case c WHERE c.merged_into_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM cases_case m WHERE m.id = c.merged_into_id)) + "
            "(SELECT count(*) FROM cases_assignment a WHERE NOT EXISTS (SELECT 1 FROM cases_case c WHERE c.id = a.case_id))"
        ).fetchone()
        if bad and bad[0]:
            raise SystemExit(f"{bad[0]} dangling references after the load")
        conn.commit()
    counts["assignments"] = len(assignments)
    counts["followups"] = len(followups)
    return counts


# ---- scan ------------------------------------------------------------------------------------------


def run_scan() -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from minsheng.cases.scan import scan

    info = meta()
    built = datetime.fromisoformat(info["now"])
    # Start from the state the build left: no alerts, notices, events or scan-made return visits.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_deadlinealert, notifications_staffnotice, cases_caseevent, "
                       "notifications_notification")
        cursor.execute("DELETE FROM cases_followup WHERE created_at > %s", [built])
    now = timezone.now()
    print(f"scan at {now:%Y-%m-%d %H:%M:%S} UTC, {(now - built).total_seconds() / 60:.0f} min after the build")
    runs = []
    for label in ("first (catch-up)", "second (idempotent)"):
        queries = [0]
        timed: list[tuple[float, str]] = []

        def count(execute, sql, params, many, context, queries=queries, timed=timed):  # type: ignore[no-untyped-def]
            queries[0] += 1
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timed.append((time.perf_counter() - t0, sql))

        load = load_average()
        with connection.execute_wrapper(count):
            t0 = time.perf_counter()
            result = scan(now=now)
            seconds = time.perf_counter() - t0
        runs.append({"scan": label, "seconds": round(seconds, 1), "queries": queries[0], "load": load,
                     **result.counts})
        print(f"  {label}: {seconds:.1f} s, {queries[0]:,} queries, load {load}, {result.counts}", flush=True)
        by_shape: dict[str, list[float]] = {}
        for t, sql in timed:
            by_shape.setdefault(re.sub(r"%s(, %s)*", "…", sql)[:160], []).append(t)
        print(f"    SQL {sum(t for t, _s in timed):.1f} s in all; the costliest statements (total s, count):")
        for sql, ts in sorted(by_shape.items(), key=lambda kv: -sum(kv[1]))[:4]:
            print(f"    {sum(ts):6.1f} s ×{len(ts):<4} {sql}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT stage, kind, count(*) FROM cases_deadlinealert GROUP BY 1, 2 ORDER BY 1, 2")
        alerts = [list(row) for row in cursor.fetchall()]
        cursor.execute("SELECT (SELECT count(*) FROM cases_deadlinealert), (SELECT count(*) FROM "
                       "notifications_staffnotice), (SELECT count(*) FROM cases_caseevent), (SELECT count(DISTINCT "
                       "case_id) FROM cases_deadlinealert)")
        totals = cursor.fetchone()
    print("  alerts by stage and kind:", alerts)
    print(f"  rows: {totals[0]:,} alerts on {totals[3]:,} cases, {totals[1]:,} staff notices, {totals[2]:,} events")
    print("\n| scan | seconds | queries | reminders | overdue | red lines | return visits | notices | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        print(f"| {r['scan']} | {r['seconds']:.1f} | {r['queries']:,} | {r['reminders']:,} | {r['overdue']:,} | "
              f"{r['redlines']:,} | {r['followups']:,} | {r['notices']:,} | {r['load']} |")
    ok = all(r["seconds"] < SCAN_TARGET_S for r in runs)
    print(f"target < {SCAN_TARGET_S:.0f} s: {'ok' if ok else 'MISSED'}")
    return {"runs": runs, "alerts": alerts}


# ---- queue pages -----------------------------------------------------------------------------------


@dataclass
class Session:
    username: str
    cookie: str = ""


def _request(port: int, method: str, path: str, cookie: str = "", body: str | None = None,
             ) -> tuple[int, dict[str, list[str]], bytes]:
    # A new connection per request: gunicorn's sync workers close after each response anyway.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Accept-Language": "zh-CN,zh;q=0.9", "Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        all_headers: dict[str, list[str]] = {}
        for key, value in response.getheaders():
            all_headers.setdefault(key.lower(), []).append(value)
        return response.status, all_headers, response.read()
    finally:
        conn.close()


def _cookies(headers: dict[str, list[str]]) -> dict[str, str]:
    out = {}
    for line in headers.get("set-cookie", []):
        name, _sep, rest = line.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def login(port: int, username: str) -> Session:
    status, headers, body = _request(port, "GET", "/staff/login/")
    cookies = _cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match or "csrftoken" not in cookies:
        raise RuntimeError(f"login page: HTTP {status}")
    form = urlencode({"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": PASSWORD})
    status, headers, _body = _request(port, "POST", "/staff/login/", f"csrftoken={cookies['csrftoken']}", form)
    cookies.update(_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login as {username} failed: HTTP {status}")
    return Session(username, f"csrftoken={cookies['csrftoken']}; sessionid={cookies['sessionid']}")


@dataclass
class Page:
    name: str
    session: Session
    paths: Callable[[int], str]


@dataclass
class Result:
    page: Page
    timings: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    bytes: int = 0


def _get(port: int, session: Session, path: str) -> bytes:
    status, _headers, body = _request(port, "GET", path, session.cookie)
    if status != 200:
        raise RuntimeError(f"{session.username} {path}: HTTP {status}")
    return body


def pages(port: int, info: dict[str, Any], users: Sequence[str], rng: random.Random) -> list[Page]:
    import psycopg

    world = info["world"]
    handler_dept = world["handler_department"]
    out: list[Page] = []
    with psycopg.connect(_dsn(os.environ["DATABASE_URL"])) as conn:
        any_open = [r[0] for r in conn.execute(
            "SELECT id FROM cases_case WHERE status NOT IN ('closed', 'rejected', 'merged') "
            "ORDER BY random() LIMIT 500")]
        dept_open = [r[0] for r in conn.execute(
            "SELECT id FROM cases_case WHERE lead_department_id = %s AND status IN "
            "('dispatched', 'processing', 'reviewing', 'need_info') ORDER BY random() LIMIT 500", [handler_dept])]
    for username in users:
        session = login(port, username)
        role = username.removeprefix("bench-").split("-")[0]
        home = _get(port, session, "/staff/")
        names = list(dict.fromkeys(m.decode() for m in re.findall(rb'\?queue=([a-z_]+)"', home)))
        out.append(Page(f"{role}: /staff/ (counts)", session, lambda i: "/staff/"))
        for name in names:
            out.append(Page(f"{role}: queue={name}", session, lambda i, n=name: f"/staff/cases/?queue={n}"))
        filtered = f"/staff/cases/?queue=processing&department={handler_dept}&priority=urgent"
        out.append(Page(f"{role}: processing, department + urgent", session, lambda i, p=filtered: p))
        deep_queue = "overdue" if role == "supervisor" else "processing"
        first = _get(port, session, f"/staff/cases/?queue={deep_queue}")
        match = re.search(rb'href="\?([^"]+)" rel="next"', first)
        if match:
            second = "/staff/cases/?" + html.unescape(match.group(1).decode())
            out.append(Page(f"{role}: queue={deep_queue}, page 2 (keyset)", session, lambda i, p=second: p))
        ids = dept_open if role == "handler" else any_open
        out.append(Page(f"{role}: case detail (random open)", session,
                        lambda i, ids=ids: f"/staff/cases/{rng.choice(ids)}/"))
    return out


def measure(server: Server, todo: list[Page], requests: int, warmup: int) -> list[Result]:
    """Round-robin over the pages, so a burst of load from other processes on a shared machine
    slows every page alike instead of whichever happened to run at that moment."""
    for page in todo:
        t0 = time.perf_counter()
        _get(server.port, page.session, page.paths(0))
        print(f"first request, {page.name}: {(time.perf_counter() - t0) * 1000:.0f} ms", flush=True)
        for i in range(1, warmup):
            _get(server.port, page.session, page.paths(i))
    results = [Result(page) for page in todo]
    t_start = time.monotonic()
    for i in range(requests):
        for result in results:
            cpu_before = server.cpu_seconds()
            t0 = time.perf_counter()
            body = _get(server.port, result.page.session, result.page.paths(i))
            result.timings.append((time.perf_counter() - t0) * 1000)
            result.cpu_seconds += server.cpu_seconds() - cpu_before
            result.bytes = len(body)
        if (i + 1) % 25 == 0:
            print(f"  {i + 1}/{requests} rounds ({time.monotonic() - t_start:.0f} s, load {load_average()})",
                  flush=True)
    return results


def report(results: list[Result]) -> bool:
    print("\n| page | requests | median ms | p95 ms | max ms | server CPU ms/req | target (median) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    ok = True
    for r in results:
        median = statistics.median(r.timings)
        met = median < TARGET_MS
        ok &= met
        cpu = r.cpu_seconds * 1000 / len(r.timings)
        print(f"| {r.page.name} | {len(r.timings)} | {median:.1f} | {p95(r.timings):.1f} | {max(r.timings):.1f} "
              f"| {cpu:.1f} | < {TARGET_MS:.0f} {'✔' if met else '✘'} |")
    return ok


def run_queues(requests: int, warmup: int, workers: int, users: Sequence[str]) -> bool:
    info = meta()
    queues_py = (REPO / "minsheng" / "workbench" / "queues.py").read_text()
    if "def queue(" not in queues_py:
        sys.exit("minsheng/workbench/queues.py has no queue view yet: try again later")
    _manage("migrate", "--noinput", "-v", "0")  # new migrations (an index, say) apply to the bench database too
    rng = random.Random(3)
    print(f"load average before: {load_average()} on {os.cpu_count()} CPUs")
    with gunicorn(workers) as server:
        todo = pages(server.port, info, users, rng)
        results = measure(server, todo, requests, warmup)
    print(f"load average after: {load_average()}")
    return report(results)


# ---- explain ---------------------------------------------------------------------------------------


def run_explain(users: Sequence[str], requests: int) -> None:
    """In-process (Django test client): the costliest SQL of each page, then EXPLAIN (ANALYZE,
    BUFFERS) of the slowest statements and of the scan's queries."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from minsheng.accounts.models import User
    from minsheng.cases import queues as cq
    from minsheng.cases.deadlines import REDLINE_FLAG
    from minsheng.cases.models import Case
    from minsheng.cases.scan import _FIELDS, UNANSWERED

    info = meta()
    dept = info["world"]["handler_department"]
    slowest: dict[str, tuple[float, str]] = {}
    for username in users:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN", HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        paths = ["/staff/", *[f"/staff/cases/?queue={n}" for n in cq.QUEUES],
                 f"/staff/cases/?queue=processing&department={dept}&priority=urgent"]
        for path in paths:
            client.get(path)
            sql_ms: dict[str, list[float]] = {}
            totals = []
            for _ in range(requests):
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(path)
                    totals.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (path, response.status_code)
                for q in ctx.captured_queries:
                    sql_ms.setdefault(q["sql"], []).append(float(q["time"]) * 1000)
            top = sorted(((statistics.median(v), s) for s, v in sql_ms.items()), reverse=True)[:3]
            print(f"\n== {username} {path}: median {statistics.median(totals):.1f} ms, "
                  f"{len(ctx.captured_queries)} queries, SQL {sum(statistics.median(v) for v in sql_ms.values()):.1f} ms")
            for ms, sql in top:
                print(f"  {ms:7.1f} ms  {sql[:300]}")
                shape = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
                if shape not in slowest or slowest[shape][0] < ms:
                    slowest[shape] = (ms, sql)
    now = timezone.now()
    scan_queries = {
        "scan: due and overdue (first chunk)": Case.objects.filter(next_due_at__lte=now + timedelta(hours=24))
        .only(*_FIELDS).filter(pk__gt=0).order_by("pk")[:2000],
        "scan: red lines (first chunk)": Case.objects.filter(
            status__in=UNANSWERED, replied_at__isnull=True, paused_at__isnull=True,
            submitted_at__lte=now - REDLINE_FLAG).only(*_FIELDS).filter(pk__gt=0).order_by("pk")[:2000],
    }
    statements = [(f"slow page SQL, {ms:.1f} ms median", sql)
                  for ms, sql in sorted(slowest.values(), reverse=True)[:3]]
    for label, qs in scan_queries.items():
        with CaptureQueriesContext(connection) as ctx:
            list(qs)
        statements.append((label, ctx.captured_queries[-1]["sql"]))
    with connection.cursor() as cursor:
        for label, sql in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print(f"\n==== {label}\n{sql}\n" + "\n".join(row[0] for row in cursor.fetchall()))


# ---- main ------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="create and load the database (once; cached)")
    parser.add_argument("--rebuild", action="store_true", help="with --build: drop the database first")
    parser.add_argument("--scan", action="store_true", help="time the deadline scan twice")
    parser.add_argument("--queues", action="store_true", help="time the staff pages through gunicorn")
    parser.add_argument("--explain", action="store_true", help="slowest SQL per page and EXPLAIN ANALYZE")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (requests are sequential)")
    parser.add_argument("--users", default="intake,handler,supervisor",
                        help="whose pages to time: any of intake, handler, supervisor")
    args = parser.parse_args(argv)
    url = configure()
    if not (args.build or args.scan or args.queues or args.explain):
        parser.error("choose --build, --scan, --queues or --explain")
    if args.build:
        build(url, args.cases, args.open, args.rebuild)
    ok = True
    if args.scan:
        result = run_scan()
        ok &= all(r["seconds"] < SCAN_TARGET_S for r in result["runs"])
    roles = [r.strip() for r in args.users.split(",") if r.strip()]
    if args.queues or args.explain:
        world = meta()["world"]
        users = [world[r] for r in roles]
        if args.queues:
            ok &= run_queues(args.requests, args.warmup, args.workers, users)
        if args.explain:
            run_explain(users, min(args.requests, 5))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
