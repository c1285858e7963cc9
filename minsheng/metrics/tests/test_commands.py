"""`manage.py metrics` and `manage.py export_cases`: the rates recomputed from the CSV alone agree
with the command's JSON, and bad arguments give a clear message, never a traceback."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from minsheng.metrics.exporting import COLUMNS

PERIOD = ["--site", "a-city", "--from", "2026-03-01", "--to", "2026-03-31", "--as-of", "2026-04-02T12:00"]


def metrics_json(*args: str) -> dict:
    out = StringIO()
    call_command("metrics", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def recompute(path: Path, as_of: datetime, basic_weight: float = 1.0) -> dict[str, tuple[float, int]]:
    """docs/metrics.md, "Recomputing the rates from the export", in plain Python."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if not r["excluded"]]

    def t(value: str) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    valid = [r for r in rows if r["accepted_at"] and r["status"] not in ("rejected", "merged")]
    timed = [r for r in valid if not r["imported"] and r["department"]]
    replied = [r for r in valid if r["first_replied_at"]]
    settled = [r for r in timed if r["dispatched_at"] and (r["received_at"] or t(r["receive_due_at"]) < as_of)]
    on_receipt = [r for r in settled if r["received_at"] and t(r["received_at"]) <= t(r["receive_due_at"])]
    answered = [r for r in timed if r["status"] in ("replied", "disputed", "closed") and r["replied_at"]]
    waiting = [r for r in timed if r not in answered and r["due_at"] and t(r["due_at"]) < (t(r["paused_at"]) or as_of)]
    in_time = [r for r in answered if t(r["replied_at"]) <= t(r["due_at"])]
    judged = [r for r in valid if r["solved"]]
    rated = [r for r in valid if r["rating"]]
    weight = {"satisfied": 1.0, "basic": basic_weight, "dissatisfied": 0.0}
    return {
        "reply_rate": (len(replied), len(valid)),
        "response_rate": (len(on_receipt), len(settled)),
        "on_time_rate": (len(in_time), len(answered) + len(waiting)),
        "resolution_rate": (sum(r["solved"] == "yes" for r in judged), len(judged)),
        "satisfaction_rate": (sum(weight[r["rating"]] for r in rated), len(rated)),
    }


def test_every_rate_recomputed_from_the_csv_equals_the_metrics_output(world, march, tmp_path):
    path = tmp_path / "cases.csv"
    call_command("export_cases", *PERIOD, "--format", "csv", "--output", str(path), stderr=StringIO())
    figures = metrics_json(*PERIOD)
    as_of = datetime.fromisoformat(figures["as_of"])
    recomputed = recompute(path, as_of)
    for name, (numerator, denominator) in recomputed.items():
        assert (figures[name]["numerator"], figures[name]["denominator"]) == (numerator, denominator), name
    assert recomputed["on_time_rate"] == (4, 8)
    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 13  # the 12 cases counted and the excluded one, flagged
    assert tuple(rows[0]) == COLUMNS
    days = sorted(int(r["handling_working_days"]) for r in rows if r["handling_working_days"])
    assert days == [1, 2, 3, 9, 10]
    assert sum(1 for r in rows if r["returned_by"]) == figures["returns"]
    assert sum(1 for r in rows if r["overdue_working_days"] and not r["excluded"]) == figures["overdue"]


def test_the_department_figures_recompute_from_the_department_export(world, march, tmp_path):
    path = tmp_path / "a.csv"
    args = [*PERIOD, "--department", world.dept_a.name]
    call_command("export_cases", *args, "--output", str(path), stderr=StringIO())
    figures = metrics_json(*args)
    recomputed = recompute_for(path, figures, world.dept_a.name)
    assert recomputed == {name: (figures[name]["numerator"], figures[name]["denominator"]) for name in recomputed}


def recompute_for(path: Path, figures: dict, department: str) -> dict[str, tuple[float, int]]:
    # The department export also holds cases the department led once (for its returns); its
    # figures are about the cases it leads now.
    filtered = path.with_suffix(".lead.csv")
    with path.open(encoding="utf-8-sig", newline="") as f, filtered.open("w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(f)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(r for r in reader if r["department"] == department)
    return recompute(filtered, datetime.fromisoformat(figures["as_of"]))


def test_the_xlsx_export_holds_the_same_rows_as_the_csv(world, march, tmp_path):
    call_command("export_cases", *PERIOD, "--format", "xlsx", "--output", str(tmp_path / "c.xlsx"), stderr=StringIO())
    call_command("export_cases", *PERIOD, "--output", str(tmp_path / "c.csv"), stderr=StringIO())
    sheet = load_workbook(tmp_path / "c.xlsx", read_only=True).active
    assert sheet is not None
    xlsx = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    with (tmp_path / "c.csv").open(encoding="utf-8-sig") as f:
        assert xlsx == list(csv.reader(f))


def test_the_metrics_output_has_every_rate_as_numerator_denominator_value(world, march):
    figures = metrics_json(*PERIOD, "--by-department")
    assert figures["reply_rate"] == {"numerator": 5, "denominator": 9, "value": round(5 / 9, 6)}
    assert figures["departments"][0]["name"] == world.dept_a.name
    assert {"handling_days", "returns", "transfers", "overdue_by_age", "red_line", "counts",
            "appraisal_score"} <= set(figures)


@pytest.mark.parametrize(("args", "message"), [
    (["--site", "nowhere"], "Unknown site 'nowhere'"),
    (["--site", "a-city", "--from", "2026-13-01"], "--from must be a date"),
    (["--site", "a-city", "--to", "yesterday"], "--to must be a date"),
    (["--site", "a-city", "--from", "2026-04-01", "--to", "2026-03-01"], "is after --to"),
    (["--site", "a-city", "--department", "不存在的局"], "No department"),
    (["--site", "a-city", "--as-of", "noon"], "--as-of must be a moment"),
])
def test_bad_arguments_give_a_clear_message(world, args, message):
    for command, extra in (("metrics", ["--format", "json"]), ("export_cases", ["--output", "-"])):
        with pytest.raises(CommandError, match=message):
            call_command(command, *args, *extra, stdout=StringIO())


def test_an_unknown_format_is_refused(world):
    with pytest.raises(CommandError, match="the only format is json"):
        call_command("metrics", "--site", "a-city", "--format", "xml")
    with pytest.raises(CommandError, match="choose csv or xlsx"):
        call_command("export_cases", "--site", "a-city", "--format", "pdf", "--output", "x.pdf")


def test_an_unwritable_output_is_refused_with_the_reason(world, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_cases", "--site", "a-city", "--output", str(tmp_path / "missing" / "x.csv"))
    with pytest.raises(CommandError, match="is a folder"):
        call_command("export_cases", "--site", "a-city", "--output", str(tmp_path))
    # /proc refuses new files even to root (the tests may run as root, where chmod proves nothing).
    with pytest.raises(CommandError, match=r"Cannot write /proc/metrics-export\.csv"):
        call_command("export_cases", "--site", "a-city", "--output", "/proc/metrics-export.csv")


def test_without_a_site_the_only_top_site_is_used(world):
    figures = metrics_json()
    assert figures["scope"]["site"] == "a-city"
