"""The evaluation command: `manage.py hot_topics --input FILE.csv --top N --format json`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

HEADER = "source_id,user,title,posted_at,text,likes\n"
NOISE = [
    ("幸福家园小区旁搅拌站夜间噪音扰民", "幸福家园小区旁边的混凝土搅拌站每天夜里施工，噪音和粉尘严重影响居民休息。"),
    ("投诉幸福家园搅拌站噪音", "幸福家园小区附近搅拌站通宵作业，噪音太大，孩子无法入睡，请环保部门查处。"),
    ("幸福家园小区搅拌站粉尘噪音污染", "搅拌站就在幸福家园小区旁边，日夜施工噪音扰民，粉尘满天。"),
    ("再次反映幸福家园旁搅拌站噪音", "幸福家园小区居民再次反映，搅拌站夜间施工噪音扰民，希望尽快关停。"),
]
OTHERS = [
    ("咨询公积金贷款额度", "我在本市缴纳公积金三年，想买首套房，公积金贷款最高能贷多少？"),
    ("建议增开公交线路", "城东新区没有公交线路通往火车站，建议增开一条公交线路方便市民出行。"),
    ("学校门口交通拥堵", "每天放学时间实验小学门口车辆乱停，交通拥堵，希望交警加强疏导。"),
]


def write_csv(tmp_path: Path, rows: list[tuple[str, str]], *, encoding: str = "utf-8", header: str = HEADER) -> Path:
    lines = [header]
    for k, (title, text) in enumerate(rows):
        lines.append(f"{100 + k},u{k},{title},2019/7/{1 + k} 10:00:00,{text},{k}\n")
    path = tmp_path / "messages.csv"
    path.write_bytes("".join(lines).encode(encoding))
    return path


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("hot_topics", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_prints_the_hottest_topics_as_json_with_their_source_ids(tmp_path):
    path = write_csv(tmp_path, NOISE + OTHERS)
    result = run("--input", str(path), "--top", "3", "--format", "json")
    assert len(result["topics"]) == 3
    hottest = result["topics"][0]
    assert set(hottest) >= {"title", "keywords", "size", "heat", "members"}
    assert sorted(hottest["members"]) == ["100", "101", "102", "103"]
    assert hottest["size"] == 4 and "搅拌站" in hottest["keywords"]
    assert hottest["heat"] > result["topics"][1]["heat"]


def test_top_limits_the_number_of_topics(tmp_path):
    path = write_csv(tmp_path, NOISE + OTHERS)
    assert len(run("--input", str(path), "--top", "1")["topics"]) == 1


def test_a_gb18030_file_is_read_like_utf8(tmp_path):
    path = write_csv(tmp_path, NOISE + OTHERS, encoding="gb18030")
    result = run("--input", str(path), "--top", "1")
    assert sorted(result["topics"][0]["members"]) == ["100", "101", "102", "103"]
    assert "搅拌站" in result["topics"][0]["title"]


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path):
    path = write_csv(tmp_path, NOISE, encoding="utf-8-sig")
    assert run("--input", str(path), "--top", "1")["topics"][0]["size"] == 4


def test_a_repeated_source_id_loses_no_row_and_is_listed_once(tmp_path):
    path = tmp_path / "dup.csv"
    rows = [HEADER] + [f"7,u{k},{t},2019-07-0{k + 1} 10:00,{x},0\n" for k, (t, x) in enumerate(NOISE)]
    path.write_text("".join(rows), encoding="utf-8")
    topic = run("--input", str(path), "--top", "1")["topics"][0]
    assert topic["size"] == 4 and topic["members"] == ["7"]


def test_the_text_format_is_readable(tmp_path):
    path = write_csv(tmp_path, NOISE + OTHERS)
    out = io.StringIO()
    call_command("hot_topics", "--input", str(path), "--top", "2", "--format", "text", stdout=out)
    assert out.getvalue().lstrip().startswith("1. heat") and "搅拌站" in out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"   \n", "the file is empty"),
        (HEADER.encode(), "holds no messages"),
        (b"source_id,title,text\n1,a,b\n", "missing columns: posted_at, likes"),
        ("source_id,title,text,posted_at,likes\n1,标题,正文,昨天下午,0\n".encode(), "line 2: unrecognised posted_at"),
        ("source_id,title,text,posted_at,likes\n1,标题,正文,2019-13-45 10:00,0\n".encode(), "unrecognised posted_at"),
        ("source_id,title,text,posted_at,likes\n1,标题,正文,2019-01-02,很多\n".encode(), "likes must be a non-negative"),
        ("source_id,title,text,posted_at,likes\n1,标题,正文,2019-01-02,-3\n".encode(), "likes must be a non-negative"),
        ("source_id,title,text,posted_at,likes\n,标题,正文,2019-01-02,1\n".encode(), "source_id is empty"),
        (b"source_id,title,text,posted_at,likes\n1,,,2019-01-02,1\n", "title and text are both empty"),
        (b"source_id,title,text,posted_at,likes\n1,\xff\xfe\xfa\xfb,x,2019-01-02,1\n", "cannot decode the file"),
        (b"\xff\xfe" + "source_id,title\n".encode("utf-16-le"), "cannot decode"),
    ],
)
def test_bad_files_give_a_clear_bilingual_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as err:
        call_command("hot_topics", "--input", str(path), stdout=io.StringIO())
    assert message in str(err.value)
    assert " / " in str(err.value)  # Chinese first, then English


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="file not found"):
        call_command("hot_topics", "--input", str(tmp_path / "nope.csv"), stdout=io.StringIO())


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(CommandError, match="not a file"):
        call_command("hot_topics", "--input", str(tmp_path), stdout=io.StringIO())


@pytest.mark.parametrize("top", ["0", "-2", "ten", "1.5"])
def test_top_must_be_a_positive_whole_number(tmp_path, top):
    path = write_csv(tmp_path, NOISE)
    with pytest.raises(CommandError, match="--top must be a positive whole number"):
        call_command("hot_topics", "--input", str(path), "--top", top, stdout=io.StringIO())


def test_an_unknown_format_is_refused(tmp_path):
    path = write_csv(tmp_path, NOISE)
    with pytest.raises(CommandError, match="--format must be json or text"):
        call_command("hot_topics", "--input", str(path), "--format", "xml", stdout=io.StringIO())
