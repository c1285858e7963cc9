"""Evaluate hot topics and duplicate detection (minsheng.insights.topics / duplicates).

Real data (default): ``../shared/data/teddy2020/messages_with_votes.csv`` relative to the repo,
or ``--data PATH``. Prints the top topics, duplicate recall/precision against an exhaustive
ground truth, and timings. Exits 0 with a message when the file is missing.

Synthetic scale test: ``--synthetic 100000`` builds N messages from the real ones -- 30 %
perturbed copies of one message (a random cut, a few characters dropped, masked codes changed),
70 % splices of the first half of one message with the second half of another -- or, without
the real file, from a small grammar; then it times a batch ``fit`` on N and an incremental
``add`` of 1,000 more, and ``find_duplicates`` on the N. Timings are wall and CPU seconds: on
a shared machine the CPU figure is the one to compare.

    .venv/bin/python bench/topics_eval.py
    .venv/bin/python bench/topics_eval.py --synthetic 100000
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import combinations
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from minsheng.insights.duplicates import normalise_for_duplicates  # noqa: E402
from minsheng.insights.topics import HeatWeights, Message, TopicModel, find_duplicates  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "teddy2020" / "messages_with_votes.csv"


def parse_time(raw: str) -> datetime:
    raw = raw.strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    raise ValueError(f"unknown time format: {raw!r}")


def load(path: Path) -> list[Message]:
    out: list[Message] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            out.append(
                Message(
                    id=f"{row['source_id']}#{i}",  # source_id is not unique
                    title=row["title"].strip(),
                    text=row["text"].strip(),
                    posted_at=parse_time(row["posted_at"]),
                    likes=int(row["likes"] or 0),
                    author=row["user"].strip(),
                )
            )
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------ topics


def show_topics(model: TopicModel, top: int) -> None:
    for rank, t in enumerate(model.topics(top), 1):
        print(
            f"{rank:2d}. heat {t.heat:8.1f}  size {t.size:3d}  authors {t.authors:3d}  likes {t.likes:5d}  "
            f"{t.first_at:%Y-%m-%d}..{t.last_at:%Y-%m-%d}"
        )
        print(f"    title: {t.title}")
        print(f"    place: {t.place or '-'}   keywords: {' '.join(t.keywords)}")


# -------------------------------------------------------------------------------- duplicates


def char_ngrams(s: str, k: int) -> set[str]:
    if len(s) < k:
        return {s} if s else set()
    return {s[i : i + k] for i in range(len(s) - k + 1)}


def ground_truth(messages: Sequence[Message], jaccard: float) -> tuple[set[tuple[int, int]], set]:
    """Exhaustive ground truth on the whole set.

    exact: equal text after ``normalise_for_duplicates`` (title when the text is empty);
    near:  character-5-gram Jaccard of the normalised texts >= ``jaccard`` (and not exact),
    computed for every pair through a sparse incidence matrix (no sampling, no hashing).
    """
    norms = [normalise_for_duplicates(m.text) or normalise_for_duplicates(m.title) for m in messages]
    exact: set[tuple[int, int]] = set()
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(norms):
        if s:
            groups.setdefault(s, []).append(i)
    for members in groups.values():
        exact.update(combinations(members, 2))
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, s in enumerate(norms):
        for g in char_ngrams(s, 5) if len(s) >= 5 else ():
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(norms), len(vocab)))
    sizes = np.asarray(m.sum(axis=1)).ravel()
    inter = sp.triu(m @ m.T, k=1).tocoo()
    jac = inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)
    near = {
        (int(a), int(b))
        for a, b, j in zip(inter.row, inter.col, jac, strict=True)
        if j >= jaccard and (int(a), int(b)) not in exact
    }
    return exact, near


def eval_duplicates(messages: Sequence[Message], threshold: float) -> None:
    t0 = time.perf_counter()
    exact_gt, near_gt = ground_truth(messages, threshold)
    t_gt = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    found = find_duplicates(messages, near_threshold=threshold)
    t_found, c_found = time.perf_counter() - t0, time.process_time() - c0
    pos = {m.id: i for i, m in enumerate(messages)}
    pred: dict[tuple[int, int], str] = {}
    for a, b, kind in found:
        i, j = sorted((pos[a], pos[b]))
        pred[(i, j)] = kind
    gt = exact_gt | near_gt
    tp = len(gt & pred.keys())
    print(
        f"duplicates: ground truth {len(exact_gt)} exact + {len(near_gt)} near pairs "
        f"(exhaustive char-5-gram Jaccard >= {threshold}, {t_gt:.1f}s)"
    )
    print(
        f"  found {len(pred)} pairs ({sum(k == 'exact' for k in pred.values())} exact, "
        f"{sum(k == 'near' for k in pred.values())} near) in {t_found:.2f}s wall / {c_found:.2f}s CPU"
    )
    exact_rec = len(exact_gt & pred.keys()) / max(1, len(exact_gt))
    near_rec = len(near_gt & pred.keys()) / max(1, len(near_gt))
    print(
        f"  recall {tp / max(1, len(gt)):.3f} (exact {exact_rec:.3f}, near {near_rec:.3f}); "
        f"precision {tp / max(1, len(pred)):.3f}"
    )
    kinds_ok = all((pred[p] == "exact") == (p in exact_gt) for p in gt & pred.keys())
    print(f"  exact/near labels agree with the ground truth: {kinds_ok}")
    # The loosest accepted near pairs, to judge by eye whether 0.8 is a duplicate.
    missed = sorted(gt - pred.keys())[:5]
    for i, j in missed:
        print(f"  missed: {messages[i].id} ~ {messages[j].id}")


# ------------------------------------------------------------------------------- synthetic

_PLACES = ["幸福家园小区", "金桂苑", "东湖村", "建设路", "学府花园", "南门广场", "桃源镇", "第三中学"]
_CONCERNS = [
    ("{p}附近搅拌站噪音扰民", "{p}旁边的搅拌站日夜施工，噪音和粉尘严重影响居民休息，请求环保部门查处。"),
    ("{p}项目停工烂尾", "{p}的楼盘已经停工一年多，业主交了房款却迟迟不能交房，请政府督促开发商复工。"),
    ("{p}入学政策咨询", "孩子明年上小学，{p}的房子能否在对口学校入学？积分入学的规则是什么？"),
    ("{p}道路破损积水", "{p}的路面坑洼不平，一下雨就严重积水，行人和车辆通行困难，希望尽快修复。"),
    ("{p}物业乱收费", "{p}物业公司擅自提高物业费，还收取不合理的停车费，业主多次投诉没有结果。"),
]


def synthetic(n: int, base: Sequence[Message], seed: int = 7) -> list[Message]:
    rng = random.Random(seed)
    start = datetime(2019, 1, 1)
    out: list[Message] = []
    for i in range(n):
        if base:
            # 30 % perturbed copies of one real message (they form topics), 70 % splices of two
            # unrelated messages (mostly singletons, as on a real board).
            src = base[rng.randrange(len(base))]
            text = src.text
            if rng.random() >= 0.3:
                other = base[rng.randrange(len(base))].text
                text = text[: len(text) // 2] + other[len(other) // 2 :]
            cut = rng.randrange(0, max(1, len(text) // 4))
            chars = list(text[cut:])
            for _ in range(rng.randrange(0, 6)):
                if chars:
                    del chars[rng.randrange(len(chars))]
            code = f"{rng.choice('ABCDEFGHJK')}{rng.randrange(1, 10)}"
            text = "".join(chars).replace("A市", code[0] + "市").replace("A1区", code + "区")
            title = src.title
        else:
            title_t, text_t = rng.choice(_CONCERNS)
            place = rng.choice(_PLACES) + str(rng.randrange(40))
            title, text = title_t.format(p=place), text_t.format(p=place) * rng.randint(1, 4)
        out.append(
            Message(
                id=f"s{i}",
                title=title,
                text=text,
                posted_at=start + timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
                likes=rng.choice([0, 0, 0, 1, 2, 5]),
                author=f"u{rng.randrange(n // 3 + 1)}",
            )
        )
    return out


# ------------------------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--threshold", type=float, default=None, help="topic cosine threshold")
    ap.add_argument("--half-life", type=float, default=None, help="heat recency half-life in days")
    ap.add_argument("--near", type=float, default=0.8, help="near-duplicate Jaccard threshold")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--synthetic", type=int, default=0, metavar="N", help="time fit on N, add 1,000")
    ap.add_argument("--no-duplicates", action="store_true")
    args = ap.parse_args(argv)

    kwargs = {} if args.threshold is None else {"threshold": args.threshold}
    weights = HeatWeights() if args.half_life is None else HeatWeights(recency_half_life_days=args.half_life)

    real: list[Message] = []
    if args.data.exists():
        real = load(args.data)
    else:
        print(f"data file not found: {args.data} -- real-data evaluation skipped")
        if not args.synthetic:
            return 0

    if args.synthetic:
        msgs = synthetic(args.synthetic + 1000, real)
        batch, extra = msgs[: args.synthetic], msgs[args.synthetic :]
        print(f"synthetic: {len(batch)} messages ({'resampled real' if real else 'grammar'}), then 1000 more")
        model = TopicModel(weights=weights, **kwargs)
        t0, c0 = time.perf_counter(), time.process_time()
        model.fit(batch)
        t_fit, c_fit = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        model.add(extra)
        t_add, c_add = time.perf_counter() - t0, time.process_time() - c0
        sizes = [t.size for t in model.topics()]
        print(f"  fit {t_fit:.1f}s wall / {c_fit:.1f}s CPU; add(1000) {t_add:.2f}s wall / {c_add:.2f}s CPU")
        print(
            f"  topics {len(sizes)} (size>=2: {sum(s >= 2 for s in sizes)}, largest {max(sizes)})"
            f"  peak RSS {peak_mb():.0f} MB"
        )
        if not args.no_duplicates:
            t0, c0 = time.perf_counter(), time.process_time()
            pairs = find_duplicates(batch, near_threshold=args.near)
            print(
                f"  find_duplicates on {len(batch)}: {len(pairs)} pairs in {time.perf_counter() - t0:.1f}s wall"
                f" / {time.process_time() - c0:.1f}s CPU"
            )
        return 0

    print(f"{len(real)} messages from {args.data.name}")
    model = TopicModel(weights=weights, **kwargs)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(real)
    t_fit, c_fit = time.perf_counter() - t0, time.process_time() - c0
    topics = model.topics()
    print(
        f"topics: fit {t_fit:.1f}s wall / {c_fit:.1f}s CPU, {len(topics)} topics, "
        f"{sum(t.size >= 2 for t in topics)} with >= 2 messages"
    )
    print(f"  threshold {model.threshold}, max_chars {model.max_chars}, {model.weights}")
    show_topics(model, args.top)
    if not args.no_duplicates:
        eval_duplicates(real, args.near)
    print(f"peak RSS {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
