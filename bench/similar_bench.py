"""Similar-case lookups over 1,000,000 cases in PostgreSQL (docs/performance.md, "Similar cases
(issue 5)"). Issue 5 asks for a lookup under 50 ms.

    .venv/bin/python bench/similar_bench.py --build [--cases 1000000] [--distinct 20000]
    .venv/bin/python bench/similar_bench.py --measure [--queries 300]

``--build`` drops and creates the database ``minsheng_bench_similar``, migrates it, creates a city
and 5 districts, then loads one ``SimilarDoc`` per case and its ``SimilarKey`` rows with COPY,
exactly as ``knowledge.similar_index.index_case`` writes them: 10 band keys and 8 keyword keys per
case in the internal namespace, 8 keyword keys more in the public namespace for the published half.
Texts come from the portal benchmark's generator (``portal_bench.TextFactory``): ``--distinct``
different messages, each case drawing one (so every text has ~50 copies: a board with many
repeats, the hard case for band postings), fingerprinted once each. The case rows themselves are
not loaded: the lookup never reads them (it returns case ids; showing five of them is a primary-key
fetch), so the foreign keys of the two index tables are dropped in this database only. The
primary key (key, case_id) is built after the load, as a restore would.

``--measure`` runs ``similar_index.lookup`` (index read + rerank, the part that grows with the
number of cases) for random new messages of the same generator, in both audiences, and reports
median / p95 / max in milliseconds, plus the fingerprinting of the query text (jieba) separately.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from portal_bench import TextFactory  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/minsheng_bench_similar"
DATA_DIR = Path("/tmp/minsheng-bench-similar")
TARGET_MS = 50.0


def configure() -> str:
    from backoffice_bench import configure as bench_configure  # the same bench environment

    return bench_configure(DATA_DIR, DEFAULT_URL)


def _dsn(url: str, dbname: str | None = None) -> str:
    parts = urlparse(url)
    name = dbname or parts.path.lstrip("/")
    return (f"host={parts.hostname} port={parts.port or 5432} user={parts.username or 'postgres'} "
            f"dbname={name}" + (f" password={parts.password}" if parts.password else ""))


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def build(url: str, n_cases: int, n_distinct: int, seed: int = 5) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(_dsn(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    print(f"load average {load_average()}; migrating {name} …", flush=True)
    subprocess.run([sys.executable, str(REPO / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True, cwd=REPO)

    import django

    django.setup()
    from minsheng.insights import similar
    from minsheng.knowledge.similar_index import INTERNAL, PUBLIC, namespace
    from minsheng.sites.models import Site

    city = Site.objects.create(code="bench-city", name="基准市")
    sites = [city.pk] + [Site.objects.create(code=f"bench-d{i}", name=f"基准{i}区", parent=city).pk for i in range(5)]
    migrated = time.monotonic()

    rng = random.Random(seed)
    factory = TextFactory(rng)
    texts = [factory.make() for _ in range(n_distinct)]
    fps = [similar.fingerprint(t.title, t.body) for t in texts]
    sig = [similar.signature_bytes(fp.signature).hex() for fp in fps]
    kw = [json.dumps(fp.to_json(), ensure_ascii=False) for fp in fps]
    fingerprinted = time.monotonic()
    print(f"  migrated in {migrated - started:.0f} s; {n_distinct:,} texts fingerprinted in "
          f"{fingerprinted - migrated:.0f} s; loading {n_cases:,} cases …", flush=True)

    keys_cache: dict[tuple[int, int, bool], tuple[list[str], str]] = {}

    def keys_for(t: int, site: int, published: bool) -> tuple[list[str], str]:
        """The case's keys as COPY text, and as the JSON list SimilarDoc.keys holds."""
        k = (t, site, published)
        if k not in keys_cache:
            keys = similar.index_keys(fps[t], namespace(site, INTERNAL))
            if published:
                keys += similar.index_keys(fps[t], namespace(site, PUBLIC), bands=False)
            keys = list(dict.fromkeys(keys))
            keys_cache[k] = ([str(x) for x in keys], json.dumps(keys))
        return keys_cache[k]

    now = datetime.now(UTC).replace(microsecond=0)
    stamp, null = now.isoformat(), "\\N"
    kw_esc = [_esc(k) for k in kw]
    site_weights = [50, 10, 10, 10, 10, 10]
    n_keys = 0
    with psycopg.connect(_dsn(url), autocommit=True) as conn, psycopg.connect(_dsn(url), autocommit=True) as conn2:
        for table in ("knowledge_similardoc", "knowledge_similarkey"):
            for (constraint,) in conn.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('f', 'p')", [table]
            ).fetchall():
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        with conn.cursor() as cur, cur.copy(
            "COPY knowledge_similardoc (case_id, site_id, submitted_at, signature, keywords, public_keywords, keys, "
            "indexed_at) FROM STDIN"
        ) as doc_copy, conn2.cursor() as cur2, cur2.copy("COPY knowledge_similarkey (key, case_id) FROM STDIN") as key_copy:
            docs, keys_buf = io.StringIO(), io.StringIO()
            for pk in range(1, n_cases + 1):
                t = min(int(rng.paretovariate(1.2)) - 1, n_distinct - 1) if rng.random() < 0.3 else rng.randrange(n_distinct)
                site = rng.choices(sites, site_weights)[0]
                published = rng.random() < 0.5
                keys, keys_json = keys_for(t, site, published)
                when = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
                docs.write(f"{pk}\t{site}\t{when.isoformat()}\t\\\\x{sig[t]}\t{kw_esc[t]}\t"
                           f"{kw_esc[t] if published else null}\t{keys_json}\t{stamp}\n")
                sep = f"\t{pk}\n"
                keys_buf.write(sep.join(keys) + sep)
                n_keys += len(keys)
                if pk % 20000 == 0:
                    doc_copy.write(docs.getvalue())
                    key_copy.write(keys_buf.getvalue())
                    docs, keys_buf = io.StringIO(), io.StringIO()
                    if pk % 200000 == 0:
                        print(f"    {pk:,} cases, {n_keys:,} keys, {time.monotonic() - started:.0f} s", flush=True)
            doc_copy.write(docs.getvalue())
            key_copy.write(keys_buf.getvalue())
        loaded = time.monotonic()
        print(f"  loaded in {loaded - fingerprinted:.0f} s; building primary keys …", flush=True)
        conn.execute("ALTER TABLE knowledge_similardoc ADD PRIMARY KEY (case_id)")
        conn.execute("ALTER TABLE knowledge_similarkey ADD PRIMARY KEY (key, case_id)")
        indexed = time.monotonic()
        conn.execute("VACUUM (ANALYZE) knowledge_similardoc")
        conn.execute("VACUUM (ANALYZE) knowledge_similarkey")
        sizes = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('knowledge_similardoc')), "
            "pg_size_pretty(pg_total_relation_size('knowledge_similarkey')), "
            "pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    total = time.monotonic() - started
    info = {
        "cases": n_cases, "distinct_texts": n_distinct, "keys": n_keys, "city_site": sites[0],
        "seconds": {"migrate": round(migrated - started), "fingerprint": round(fingerprinted - migrated),
                    "copy": round(loaded - fingerprinted), "primary_keys": round(indexed - loaded),
                    "vacuum_analyze": round(time.monotonic() - indexed), "total": round(total)},
        "sizes": {"similardoc": sizes[0], "similarkey": sizes[1], "database": sizes[2]} if sizes else {},
        "load_average_after": load_average(),
    }
    (DATA_DIR / "build.json").write_text(json.dumps(info, indent=1, ensure_ascii=False))
    print(json.dumps(info, indent=1, ensure_ascii=False))


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def measure(n_queries: int, seed: int = 99) -> bool:
    import django

    django.setup()
    from django.db import connection

    from minsheng.insights import similar
    from minsheng.knowledge.similar_index import INTERNAL, PUBLIC, lookup

    info = json.loads((DATA_DIR / "build.json").read_text())
    site = info["city_site"]
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    rng = random.Random(seed)
    factory = TextFactory(rng)
    queries = [factory.make() for _ in range(n_queries + 20)]
    fp_ms, results = [], {INTERNAL: [], PUBLIC: []}
    hits_seen = {INTERNAL: 0, PUBLIC: 0}
    print(f"load average before: {load_average()}")
    for i, q in enumerate(queries):
        t0 = time.perf_counter()
        fp = similar.fingerprint(q.title, q.body)
        t1 = time.perf_counter()
        for audience in (INTERNAL, PUBLIC):
            s = time.perf_counter()
            hits = lookup(fp, site, audience, limit=10)
            elapsed = (time.perf_counter() - s) * 1000
            if i >= 20:  # the first 20 warm the connection and caches
                results[audience].append(elapsed)
                hits_seen[audience] += bool(hits)
        if i >= 20:
            fp_ms.append((t1 - t0) * 1000)
    print(f"load average after: {load_average()}")
    ok = True
    for audience, values in results.items():
        values.sort()
        p95 = values[int(0.95 * (len(values) - 1))]
        name = "staff (bands + keywords)" if audience == INTERNAL else "public (keywords)"
        print(f"lookup {name}: median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, max {values[-1]:.1f} ms "
              f"over {len(values)} queries; {hits_seen[audience]} returned matches")
        ok &= p95 < TARGET_MS
    fp_ms.sort()
    print(f"fingerprint of the typed text (jieba, in the web process): median {statistics.median(fp_ms):.1f} ms, "
          f"p95 {fp_ms[int(0.95 * (len(fp_ms) - 1))]:.1f} ms")
    print(f"target p95 < {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", action="store_true")
    ap.add_argument("--measure", action="store_true")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--distinct", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args(argv)
    url = configure()
    if args.build:
        build(url, args.cases, args.distinct)
    if args.measure:
        return 0 if measure(args.queries) else 1
    if not (args.build or args.measure):
        ap.print_help()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
