"""`manage.py router train|predict` on outside CSV files, including every kind of bad input."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from minsheng.routing.tests.conftest import ENVIRONMENT, HOUSING


def _write(path, header, rows, encoding="utf-8"):  # type: ignore[no-untyped-def]
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _training_rows():  # type: ignore[no-untyped-def]
    rows = []
    for place in ("东区", "西区", "南区"):
        rows += [(body, place + title, "环境保护") for title, body in ENVIRONMENT]
        rows += [(body, place + title, "城乡建设") for title, body in HOUSING]
    return rows


@pytest.fixture
def model_file(tmp_path):  # type: ignore[no-untyped-def]
    source = _write(tmp_path / "train.csv", ["text", "title", "label"], _training_rows())
    out = StringIO()
    call_command("router", "train", "--input", str(source), "--output", str(tmp_path / "m.joblib"), stdout=out)
    return tmp_path / "m.joblib", out.getvalue()


def test_train_prints_per_class_scores_and_macro_f1_and_writes_the_model(model_file):
    path, output = model_file
    assert path.is_file()
    assert "环境保护" in output and "城乡建设" in output and "precision" in output
    assert "macro-F1 " in output


def test_predict_writes_id_prediction_confidence_and_top3_for_every_row(model_file, tmp_path):
    path, _ = model_file
    source = _write(tmp_path / "in.csv", ["id", "title", "text"],
                    [("a1", "工地噪音", "晚上工地施工噪音太大"), ("a2", "", "开发商延期交房不赔偿"), ("a3", "", "")])
    call_command("router", "predict", "--model", str(path), "--input", str(source),
                 "--output", str(tmp_path / "out.csv"), stdout=StringIO())
    with (tmp_path / "out.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["a1", "a2", "a3"]  # nothing lost, not even the empty message
    assert rows[0]["predicted"] == "环境保护" and rows[1]["predicted"] == "城乡建设"
    assert 0 < float(rows[0]["confidence"]) <= 1
    top = rows[0]["top3"].split(";")
    assert top[0].startswith("环境保护:") and len(top) == 2  # two classes only


def test_gb18030_files_are_read(model_file, tmp_path):
    path, _ = model_file
    source = _write(tmp_path / "gbk.csv", ["id", "text"], [("1", "噪音扰民严重")], encoding="gb18030")
    call_command("router", "predict", "--model", str(path), "--input", str(source),
                 "--output", str(tmp_path / "out.csv"), stdout=StringIO())
    assert "噪音" not in (tmp_path / "out.csv").read_text(encoding="utf-8")  # ids and labels only
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("id,predicted,confidence,top3")


def test_a_bom_and_upper_case_headers_are_accepted(tmp_path):
    source = tmp_path / "bom.csv"
    rows = "\n".join(f"{body},{label}" for body, _t, label in _training_rows())
    source.write_text("Text,Label\n" + rows, encoding="utf-8-sig")
    call_command("router", "train", "--input", str(source), "--output", str(tmp_path / "m.joblib"),
                 stdout=StringIO())
    assert (tmp_path / "m.joblib").is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"title,label\nx,y\n", r"missing column\(s\) text"),
        (b"text,label\n", "no rows"),
        ("text,label\n噪音,环境\n".encode("utf-16"), "not UTF-8 or GB18030"),
        (b"text,label\n\xff\xff\xff,y\n", "not UTF-8 or GB18030"),
    ],
)
def test_bad_training_files_give_a_clear_error(tmp_path, content, message):
    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("router", "train", "--input", str(source), "--output", str(tmp_path / "m.joblib"))


def test_one_label_only_is_refused(tmp_path):
    source = _write(tmp_path / "one.csv", ["text", "label"], [("噪音", "环境")] * 5)
    with pytest.raises(CommandError, match="two different labels"):
        call_command("router", "train", "--input", str(source), "--output", str(tmp_path / "m.joblib"))


def test_missing_arguments_and_files_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="--output"):
        call_command("router", "train", "--input", "x.csv")
    with pytest.raises(CommandError, match="no such file"):
        call_command("router", "train", "--input", str(tmp_path / "nope.csv"), "--output", str(tmp_path / "m"))


def test_an_unknown_model_file_is_a_clear_error(tmp_path):
    source = _write(tmp_path / "in.csv", ["id", "text"], [("1", "噪音")])
    with pytest.raises(CommandError, match="no such model file"):
        call_command("router", "predict", "--model", str(tmp_path / "none.joblib"), "--input", str(source),
                     "--output", str(tmp_path / "out.csv"))
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"this is not a model")
    with pytest.raises(CommandError, match="not a readable routing model"):
        call_command("router", "predict", "--model", str(junk), "--input", str(source),
                     "--output", str(tmp_path / "out.csv"))


def test_prediction_input_needs_id_and_text(model_file, tmp_path):
    path, _ = model_file
    source = _write(tmp_path / "in.csv", ["text"], [("噪音",)])
    with pytest.raises(CommandError, match="missing column"):
        call_command("router", "predict", "--model", str(path), "--input", str(source),
                     "--output", str(tmp_path / "out.csv"))
