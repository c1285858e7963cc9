"""Train and apply a routing model on outside data (CSV in, model file or CSV out).

    python manage.py router train --input FILE.csv --output MODEL
    python manage.py router predict --model MODEL --input FILE.csv --output OUT.csv

Training input: columns ``text`` (required), ``title`` (optional) and ``label``. Prints precision,
recall and F1 per class and the macro-F1 on a stratified validation split (10 % of each label),
then trains on every row and writes the model. Prediction input: ``id``, ``text`` and optionally
``title``; the output has ``id``, ``predicted``, ``confidence`` and ``top3``
(``label:probability`` three times, separated by ``;``). Files may be UTF-8 (with or without BOM)
or GB18030 (which includes GBK and GB2312).
"""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.insights import routing
from minsheng.lib import chinese

VALIDATION_SHARE = 0.1


def read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts, or a CommandError that says what is wrong with the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot be read ({exc.strerror})") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CommandError(f"{path}: not UTF-8 or GB18030 text; save the file as UTF-8 CSV")
    if not text.strip():
        raise CommandError(f"{path}: the file is empty")
    csv.field_size_limit(sys.maxsize)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        missing = [c for c in required if c not in fields]
        if missing:
            raise CommandError(
                f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(fields) or 'none'}"
            )
        rows = [{(k or "").strip().lower(): (v or "") for k, v in row.items() if isinstance(v, str)}
                for row in reader]
    except csv.Error as exc:
        raise CommandError(f"{path}: not a valid CSV file ({exc})") from None
    if not rows:
        raise CommandError(f"{path}: the file has a header but no rows")
    return rows


class Command(BaseCommand):
    help = "Train a routing model from a labelled CSV file, or predict labels for a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        # One positional action rather than sub-parsers, so Django's own options (--settings ...)
        # work anywhere on the line.
        parser.add_argument("action", choices=["train", "predict"])
        parser.add_argument("--input", type=Path, help="CSV file to train on or to label")
        parser.add_argument("--output", type=Path, help="train: the model file; predict: the CSV to write")
        parser.add_argument("--model", type=Path, help="predict: a model file written by 'router train'")
        parser.add_argument("--seed", type=int, default=0, help="train: seed of the split and the model")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        # Outside data gets the segmenter's own dictionary only: the installation's place and
        # department names would make the model file depend on the database it was trained next to.
        chinese.set_word_source(None)
        needed = ("input", "output") if action == "train" else ("model", "input", "output")
        missing = [f"--{name}" for name in needed if options[name] is None]
        if missing:
            raise CommandError(f"router {action} needs {' '.join(missing)}")
        if action == "train":
            self.train(options["input"], options["output"], options["seed"])
        else:
            self.predict(options["model"], options["input"], options["output"])

    def train(self, source: Path, output: Path, seed: int) -> None:
        rows = read_csv(source, ("text", "label"))
        usable = [r for r in rows if r["label"].strip() and (r["text"].strip() or r.get("title", "").strip())]
        skipped = len(rows) - len(usable)
        if skipped:
            self.stderr.write(f"{skipped} row(s) without a label or without text were skipped")
        labels = [r["label"].strip() for r in usable]
        if len(set(labels)) < 2:
            raise CommandError(f"{source}: training needs at least two different labels")
        titles = [r.get("title", "") for r in usable]
        texts = [r["text"] for r in usable]

        train_idx, test_idx = routing.stratified_split(labels, VALIDATION_SHARE, seed=seed)
        if test_idx:
            model = routing.Router.train([titles[i] for i in train_idx], [texts[i] for i in train_idx],
                                         [labels[i] for i in train_idx], seed=seed)
            predicted = [p.label for p in model.predict([titles[i] for i in test_idx], [texts[i] for i in test_idx])]
            result = routing.evaluate([labels[i] for i in test_idx], predicted)
            self.stdout.write(f"validation: {len(test_idx)} rows held out of {len(usable)} (stratified, seed {seed})")
            self.stdout.write(f"{'class':<16}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>9}")
            for label, m in result["per_class"].items():
                self.stdout.write(f"{label:<16}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}"
                                  f"{m['support']:>9}")
            self.stdout.write(f"macro-F1 {result['macro_f1']:.4f}  accuracy {result['accuracy']:.4f}")
        started = time.perf_counter()
        try:
            final = routing.Router.train(titles, texts, labels, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            final.save(output)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write the model ({exc.strerror})") from None
        self.stdout.write(f"trained on all {len(usable)} rows in {time.perf_counter() - started:.1f} s: {output}")

    def predict(self, model_path: Path, source: Path, output: Path) -> None:
        if not model_path.is_file():
            raise CommandError(f"{model_path}: no such model file")
        try:
            model = routing.Router.load(model_path)
        except (routing.RouterFormatError, OSError, EOFError) as exc:
            raise CommandError(str(exc) if isinstance(exc, routing.RouterFormatError)
                               else f"{model_path}: not a readable routing model") from None
        rows = read_csv(source, ("id", "text"))
        started = time.perf_counter()
        predictions = model.predict([r.get("title", "") for r in rows], [r["text"] for r in rows])
        elapsed = time.perf_counter() - started
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            with output.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["id", "predicted", "confidence", "top3"])
                for row, p in zip(rows, predictions, strict=True):
                    top3 = ";".join(f"{label}:{prob:.4f}" for label, prob in p.top3)
                    writer.writerow([row["id"], p.label, f"{p.confidence:.4f}", top3])
        except OSError as exc:
            raise CommandError(f"{output}: cannot write ({exc.strerror})") from None
        self.stdout.write(f"{len(rows)} rows predicted in {elapsed:.1f} s ({len(rows) / max(elapsed, 1e-9):.0f}/s): {output}")
