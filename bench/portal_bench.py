"""Latency of the public pages with a large SQLite database (docs/performance.md, "Public pages").

Builds (once, cached under /tmp/minsheng-bench) a database with N synthetic cases, ~60 % of them
published with an approved reply, their audit events and their full-text index rows; then starts
gunicorn on 127.0.0.1 and times a bounded number of sequential requests per page:

* the published-answers list, page 1 and a deep page;
* the detail page of random published cases;
* full-text searches of two Chinese words (several different queries).

It prints median and p95 in milliseconds against the targets (list and detail < 100 ms, search <
200 ms). ``--profile`` instead runs each page in-process with Django's test client and prints the
SQL statements that took longest, to see where the time goes.

    .venv/bin/python bench/portal_bench.py --cases 100000
    .venv/bin/python bench/portal_bench.py --cases 100000 --profile

The text is synthetic: sentences composed from a few hundred phrase fragments, segmented with the
project's own segmenter (``segment_for_index``). No real data is used.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_DIR = Path("/tmp/minsheng-bench")
SITE = "a-city"
DEEP_PAGE = 2000
TARGETS_MS = {"list": 100.0, "detail": 100.0, "search": 200.0}

# ---- synthetic text -------------------------------------------------------------------------------
# Fragments end at punctuation, so segmenting each one alone gives (nearly) the same tokens as
# segmenting the whole text: the build segments each fragment once, instead of 60,000 bodies.

ESTATES = [
    "幸福家园", "阳光花园", "锦绣华庭", "金色港湾", "翠湖苑", "御景湾", "紫荆花园", "东方明珠小区", "绿城玫瑰园",
    "和谐佳苑", "滨江一号", "书香门第", "碧水蓝天", "世纪新城", "龙湖春江", "香樟园", "梧桐苑", "丽景名都",
    "新华里", "建设新村", "红星小区", "人民新村", "银杏苑", "枫林绿洲", "万科城", "保利花园", "恒大名都",
    "中海国际", "华润城", "招商雍景湾",
]
ROADS = [
    "人民路", "解放路", "中山路", "建设大道", "和平街", "新华路", "东风路", "胜利街", "长江路", "黄河路",
    "朝阳路", "文化路", "学府路", "科技大道", "滨河路", "环城西路", "工业园路", "火车站前街", "育才路", "光明街",
]
PROBLEMS = [
    "夜间施工噪音扰民", "物业乱收费", "电梯频繁故障", "小区停车难", "垃圾清运不及时", "路灯长期不亮", "下水道堵塞",
    "楼道堆放杂物", "违章搭建", "油烟污染严重", "广场舞噪音", "供暖温度不达标", "自来水水质发黄", "道路破损积水",
    "共享单车乱停放", "占道经营", "公交线路调整不便", "学校周边交通拥堵", "房屋漏水无人维修", "开发商延期交房",
    "不动产证迟迟未办", "农民工工资拖欠", "医保报销手续繁琐", "养老金发放延迟", "学位不足入学难", "幼儿园收费过高",
    "菜市场卫生脏乱", "河道污染发臭", "工厂排放废气", "渣土车抛洒滴漏", "绿化带被毁", "公厕无人管理",
    "充电桩安装受阻", "燃气管道老化", "消防通道被占", "外墙瓷砖脱落", "装修扰民", "流浪犬伤人", "网约车乱收费",
    "老旧小区改造进度慢",
]
DETAILS = [
    "这个问题已经持续了半年多，", "附近居民多次向物业反映，", "每天晚上十点以后依然如此，", "老人和孩子无法正常休息，",
    "雨天出行非常不便，", "给周边群众生活带来很大影响，", "之前也打过热线电话，", "社区工作人员来看过一次，",
    "问题至今没有得到解决，", "存在较大的安全隐患，", "已经有居民因此受伤，", "周末情况尤其严重，",
    "业主群里大家意见很大，", "物业公司一直推诿扯皮，", "开发商始终不给明确答复，", "相关部门来检查后又恢复原样，",
    "影响了孩子上学和老人就医，", "严重影响了营商环境，", "临街商户也深受其害，", "冬季问题更加突出，",
    "高峰时段车辆排起长队，", "多次拨打电话无人接听，", "网上查询进度一直显示办理中，", "窗口工作人员态度冷淡，",
    "需要来回跑好几趟，", "材料要求前后不一致，", "费用标准没有公示，", "收费明细不清楚，",
    "维修资金使用不透明，", "业委会迟迟未能成立，",
]
DEMANDS = [
    "恳请有关部门尽快调查处理。", "希望政府能够重视这个问题。", "请相关部门依法查处。", "希望尽快给出解决方案。",
    "请求加强日常监管。", "希望能够公开处理结果。", "请尽快安排人员现场核实。", "恳请领导过问此事。",
    "希望早日还居民一个安静的环境。", "请督促责任单位限期整改。", "希望能够增加相关设施。", "请给予答复，谢谢！",
]
REPLY_OPENINGS = [
    "您好！您反映的问题已收悉。", "网友您好，感谢您对我们工作的关注。", "您好，经调查核实，现将有关情况答复如下：",
    "来信人您好，收到您的留言后，我局高度重视。", "您好！针对您反映的情况，我们立即组织人员进行了核查。",
]
REPLY_ACTIONS = [
    "已责令施工单位夜间停止高噪声作业，", "已约谈物业公司负责人并要求整改，", "已安排维修人员进行检修，",
    "已将该路段纳入今年道路维修计划，", "城管执法人员已对违章搭建依法拆除，", "已协调公交公司优化线路，",
    "已对涉事企业立案调查，", "已督促开发商限期办理不动产登记，", "已增加垃圾清运频次，", "已更换损坏的路灯灯具，",
    "已组织专业人员疏通下水管道，", "已加强该区域的日常巡查，", "已在周边增设临时停车位，", "已责令企业停产整顿，",
    "已联系供水公司对管网进行冲洗，", "已要求街道社区持续跟踪，", "已启动老旧小区改造前期工作，",
    "已将拖欠工资问题移交劳动监察大队，", "已简化相关办事流程，", "已在窗口设置引导岗位，",
]
REPLY_CLOSINGS = [
    "感谢您的监督和支持。", "如有其他问题，欢迎继续来信。", "后续我们将持续跟进。", "如问题反复，请再次反映。",
    "特此答复。",
]


@dataclass(frozen=True)
class Texts:
    title: str
    body: str
    reply: str
    tokens: str


class TextFactory:
    """Synthetic messages with their index tokens, segmenting each fragment only once."""

    def __init__(self, rng: random.Random) -> None:
        from minsheng.lib.chinese import segment_for_index

        self._rng = rng
        self._segment = segment_for_index
        self._tokens: dict[str, str] = {}

    def _tok(self, fragment: str) -> str:
        if fragment not in self._tokens:
            self._tokens[fragment] = self._segment(fragment)
        return self._tokens[fragment]

    def make(self) -> Texts:
        rng = self._rng
        place = rng.choice(ESTATES) if rng.random() < 0.6 else rng.choice(ROADS)
        problem = rng.choice(PROBLEMS)
        title = place + problem
        parts = [f"我住在{rng.choice(ROADS)}{place}，", f"{problem}，", *rng.sample(DETAILS, rng.randint(2, 4)),
                 rng.choice(DEMANDS)]
        reply_parts = [rng.choice(REPLY_OPENINGS), *rng.sample(REPLY_ACTIONS, 2), rng.choice(REPLY_CLOSINGS)]
        tokens = " ".join(self._tok(p) for p in [place, problem, *parts, *reply_parts])
        return Texts(title=title, body="".join(parts), reply="".join(reply_parts), tokens=tokens)


# Two-word queries with different selectivity: a common problem, a place and a problem, rare pairs.
QUERIES = [
    "噪音 扰民", "物业 收费", "停车 小区", "电梯 故障", "垃圾 清运", "路灯 人民路", "幸福家园 施工", "供暖 温度",
    "违章 搭建", "学位 入学", "河道 污染", "公交 线路",
]

DEPARTMENTS = [
    "住房和城乡建设局", "生态环境局", "城市管理局", "交通运输局", "公安局", "教育局", "卫生健康委员会", "人力资源和社会保障局",
    "市场监督管理局", "自然资源和规划局", "水务局", "民政局", "医疗保障局", "农业农村局", "商务局", "文化广电旅游局",
    "应急管理局", "发展和改革委员会", "财政局", "税务局", "园林绿化局", "供电公司", "燃气集团", "公交集团",
]
CHANNELS = [("mailbox", "市长信箱"), ("complaint", "投诉"), ("inquiry", "咨询"), ("suggestion", "建议"), ("help", "求助")]


# ---- environment -----------------------------------------------------------------------------------


def configure(data_dir: Path, cases: int) -> Path:
    """Environment for this process and its children (migrate, gunicorn): one DB file per size."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "static").mkdir(exist_ok=True)  # WhiteNoise warns on every start without it
    key_file = data_dir / "field.key"
    if not key_file.exists():
        # The citizens' names and phones are encrypted with this key; it must outlive the process
        # or the cached database could not be read.
        from cryptography.fernet import Fernet

        key_file.write_text(Fernet.generate_key().decode())
    db = data_dir / f"cases-{cases}.sqlite3"
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "minsheng.settings",
        "MINSHENG_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{db}",
        "MINSHENG_FIELD_KEYS": key_file.read_text().strip(),
        "MINSHENG_SECRET_KEY": "bench",
        "MINSHENG_SECURE_COOKIES": "0",
        "MINSHENG_DEBUG": "0",
        "MINSHENG_LOG_LEVEL": "WARNING",
    })
    return db


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(REPO / "manage.py"), *args], check=True, cwd=REPO)


# ---- build -----------------------------------------------------------------------------------------


def build(db: Path, cases: int, seed: int = 7) -> None:
    """A fresh database with `cases` cases, written with bulk_create in large transactions."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.monotonic()
    _manage("migrate", "--noinput", "-v", "0")
    _manage("createcachetable")
    import django

    django.setup()
    from django.db import connection, transaction

    from minsheng.accounts.models import User
    from minsheng.cases.models import (
        ActorKind,
        Case,
        Rating,
        Reply,
        ReplyStatus,
        SearchDocument,
        Status,
    )
    from minsheng.sites.models import Category, Channel, Department, Site

    rng = random.Random(seed)
    texts = TextFactory(rng)
    with connection.cursor() as cursor:
        # A throw-away database: durability does not matter while building it.
        cursor.execute("PRAGMA synchronous=OFF")

    city = Site.objects.create(code=SITE, name="A市人民政府")
    Site.objects.create(code="a1", name="A1区人民政府", parent=city)
    departments = [Department.objects.create(site=city, name=f"A市{name}") for name in DEPARTMENTS]
    channels = [Channel.objects.create(site=city, kind=kind, name=name) for kind, name in CHANNELS]
    categories = [Category.objects.create(name=name, level=1) for name in
                  ["城乡建设", "环境保护", "交通出行", "教育", "医疗卫生", "劳动保障", "市场监管", "社会治安"]]
    staff = User.objects.create_user(username="bench-handler", password=None, display_name="bench")

    now = datetime.now(UTC)
    batch = 5000
    made = 0
    while made < cases:
        size = min(batch, cases - made)
        rows: list[Case] = []
        plans: list[tuple[Texts, bool, bool]] = []
        for i in range(made, made + size):
            t = texts.make()
            submitted = now - timedelta(days=rng.uniform(1, 3 * 365))
            published = rng.random() < 0.6
            replied = published or rng.random() < 0.5
            closed = replied and rng.random() < 0.8
            accepted_at = submitted + timedelta(hours=rng.uniform(1, 48))
            replied_at = accepted_at + timedelta(days=rng.uniform(1, 14)) if replied else None
            status = Status.CLOSED if closed else Status.REPLIED if replied else rng.choice(
                [Status.SUBMITTED, Status.DISPATCHED, Status.PROCESSING, Status.REVIEWING])
            dept = rng.choice(departments)
            rows.append(Case(
                site=city, channel=rng.choice(channels), category=rng.choice(categories),
                lead_department=dept if status != Status.SUBMITTED else None, status=status,
                tracking_code=f"{submitted:%Y%m%d}B{i:07d}", query_password_digest="0" * 64,
                title=t.title, body=t.body + "我叫张三，电话13800000000。",
                citizen_name="张三", citizen_phone="13800000000", citizen_digest=f"{i:064x}",
                wants_public=published, publish_agreed=published,
                public_title=t.title if published else "", public_body=t.body if published else "",
                published_at=replied_at if published else None, submitted_at=submitted,
                accepted_at=accepted_at if status != Status.SUBMITTED else None,
                dispatched_at=accepted_at if status != Status.SUBMITTED else None,
                replied_at=replied_at, closed_at=replied_at + timedelta(days=2) if closed and replied_at else None,
                due_at=accepted_at + timedelta(days=10),
            ))
            plans.append((t, replied, closed))
        with transaction.atomic():
            Case.objects.bulk_create(rows)
            replies = [
                Reply(case=case, department=case.lead_department, author=staff, body=t.reply, public_body=t.reply,
                      status=ReplyStatus.APPROVED, submitted_at=case.replied_at, reviewed_at=case.replied_at,
                      reviewed_by=staff)
                for case, (t, replied, _closed) in zip(rows, plans, strict=True) if replied
            ]
            Reply.objects.bulk_create(replies)
            reply_of = {r.case_id: r for r in replies}
            Rating.objects.bulk_create([
                Rating(case=case, reply=reply_of[case.pk], satisfaction=rng.choice(["satisfied", "basic"]),
                       solved=True, created_at=case.closed_at)
                for case in rows if case.closed_at is not None
            ])
            # The audit trail is the biggest table (about four rows per case) and no public page reads
            # it, so it is written with a plain executemany: building 400,000 model instances would
            # take most of the build time.
            staff_kind, citizen_kind = ActorKind.STAFF.value, ActorKind.CITIZEN.value
            events: list[tuple[Any, ...]] = []
            for case in rows:
                dept_id = case.lead_department_id
                events.append((case.pk, "submit", "", Status.SUBMITTED.value, None, citizen_kind, None,
                               case.submitted_at))
                if case.accepted_at:
                    events.append((case.pk, "accept", Status.SUBMITTED.value, Status.ACCEPTED.value, staff.pk,
                                   staff_kind, None, case.accepted_at))
                    events.append((case.pk, "dispatch", Status.ACCEPTED.value, Status.DISPATCHED.value, staff.pk,
                                   staff_kind, dept_id, case.accepted_at))
                if case.replied_at:
                    events.append((case.pk, "approve_reply", Status.REVIEWING.value, Status.REPLIED.value,
                                   staff.pk, staff_kind, dept_id, case.replied_at))
                if case.closed_at:
                    events.append((case.pk, "rate", Status.REPLIED.value, Status.CLOSED.value, None, citizen_kind,
                                   None, case.closed_at))
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO cases_caseevent (case_id, action, from_status, to_status, actor_id, "
                    "actor_kind, department_id, created_at, note, public_note, data) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', '', '{}')",
                    [(*e[:7], connection.ops.adapt_datetimefield_value(e[7])) for e in events],
                )
            # The FTS5 rows are written by the triggers of migration 0002, as in production.
            SearchDocument.objects.bulk_create([
                SearchDocument(case=case, site=city, tokens=t.tokens)
                for case, (t, _r, _c) in zip(rows, plans, strict=True) if case.published_at
            ])
        made += size
        print(f"\r  built {made:,}/{cases:,} cases ({time.monotonic() - started:.0f} s)", end="", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    Path(f"{db}.ok").write_text(f"{cases} cases, seed {seed}, built in {time.monotonic() - started:.0f} s\n")
    print(f"\n  done in {time.monotonic() - started:.0f} s: {db}")


# ---- measure ---------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    kind: str  # list | detail | search: which target applies
    paths: Callable[[int], str]  # request number -> path


def scenarios(db: Path, rng: random.Random) -> list[Scenario]:
    with sqlite3.connect(db) as conn:
        published = [row[0] for row in conn.execute(
            "SELECT id FROM cases_case WHERE published_at IS NOT NULL")]
    base = f"/s/{SITE}/cases/"
    from urllib.parse import quote

    return [
        Scenario("list, page 1", "list", lambda i: base),
        Scenario(f"list, page {DEEP_PAGE}", "list", lambda i: f"{base}?page={DEEP_PAGE}"),
        Scenario("detail, random published", "detail", lambda i: f"{base}{rng.choice(published)}/"),
        Scenario(f"search, {len(QUERIES)} queries", "search", lambda i: f"{base}?q={quote(QUERIES[i % len(QUERIES)])}"),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU of the gunicorn workers so far. The machine may be shared: wall-clock
        latency then includes waiting for a core, while CPU time per request does not."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        ticks = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(workers: int) -> Iterator[Server]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "minsheng.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "120", "--log-level", "warning"],
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield Server(port, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)


def _get(port: int, path: str) -> tuple[int, bytes]:
    # A new connection per request: gunicorn's sync workers close after each response anyway.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Result:
    scenario: Scenario
    timings: list[float]
    cpu_seconds: float = 0.0  # server CPU spent on the timed requests

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / len(self.timings)


def measure(server: Server, pages: list[Scenario], requests: int, warmup: int) -> list[Result]:
    """Round-robin over the pages, so a burst of load from other processes on a shared machine
    slows every page alike instead of whichever happened to run at that moment."""
    for scenario in pages:
        t0 = time.perf_counter()
        _get(server.port, scenario.paths(0))
        # The first request of a fresh worker pays for loading jieba, templates and SQLite pages.
        print(f"first request, {scenario.name}: {(time.perf_counter() - t0) * 1000:.0f} ms")
        for i in range(1, warmup):
            _get(server.port, scenario.paths(i))
    results = [Result(scenario, []) for scenario in pages]
    for i in range(requests):
        for result in results:
            path = result.scenario.paths(i)
            cpu_before = server.cpu_seconds()
            t0 = time.perf_counter()
            status, body = _get(server.port, path)
            result.timings.append((time.perf_counter() - t0) * 1000)
            # Clock ticks are 10 ms, but summed over hundreds of requests the sampling error averages out.
            result.cpu_seconds += server.cpu_seconds() - cpu_before
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")
            if result.scenario.kind != "detail" and b'class="rows"' not in body:
                raise RuntimeError(f"{path}: no result table")
    return results


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def report(results: list[Result]) -> bool:
    print("\n| page | requests | median ms | p95 ms | max ms | server CPU ms/req | target (median) | |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    ok = True
    for r in results:
        median = statistics.median(r.timings)
        target = TARGETS_MS[r.scenario.kind]
        met = median < target
        ok &= met
        print(f"| {r.scenario.name} | {len(r.timings)} | {median:.1f} | {p95(r.timings):.1f} | {max(r.timings):.1f} "
              f"| {r.cpu_ms:.1f} | < {target:.0f} | {'ok' if met else 'MISSED'} |")
    return ok


def profile(db: Path, rng: random.Random, requests: int) -> None:
    """In-process run with the test client: where does each page spend its time in SQL?"""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN", HTTP_HOST="127.0.0.1")
    for scenario in scenarios(db, rng):
        client.get(scenario.paths(0))  # warm-up: jieba, templates
        totals: list[float] = []
        sql_ms: dict[str, float] = {}
        for i in range(requests):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                client.get(scenario.paths(i))
                totals.append((time.perf_counter() - t0) * 1000)
            for query in ctx.captured_queries:
                shape = query["sql"][:150]
                sql_ms[shape] = sql_ms.get(shape, 0.0) + float(query["time"]) * 1000 / requests
        print(f"\n== {scenario.name}: median {statistics.median(totals):.1f} ms, {len(ctx.captured_queries)} queries,"
              f" SQL {sum(sql_ms.values()):.1f} ms per request; the costliest statements (mean ms per request):")
        for sql, ms in sorted(sql_ms.items(), key=lambda kv: -kv[1])[:4]:
            print(f"  {ms:7.1f}  {sql}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (requests are sequential)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--rebuild", action="store_true", help="build the database even if cached")
    parser.add_argument("--profile", action="store_true", help="in-process SQL profile instead of gunicorn")
    args = parser.parse_args(argv)

    db = configure(args.data_dir, args.cases)
    if args.rebuild or not Path(f"{db}.ok").exists():
        print(f"Building {db} with {args.cases:,} cases …")
        build(db, args.cases)
    else:
        _manage("migrate", "--noinput", "-v", "0")  # new migrations (e.g. an index) apply to the cache too
        print(f"Using cached {db} ({Path(f'{db}.ok').read_text().strip()})")
    rng = random.Random(1)
    if args.profile:
        profile(db, rng, min(args.requests, 30))
        return 0
    with open("/proc/loadavg") as f:
        print(f"load average before: {f.read().split()[0]} on {os.cpu_count()} CPUs")
    with gunicorn(args.workers) as server:
        results = measure(server, scenarios(db, rng), args.requests, args.warmup)
    ok = report(results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

