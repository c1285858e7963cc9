"""import_categories: a CSV taxonomy from Excel becomes the Category tree, safely and repeatably."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minsheng.sites.models import Category, Site

pytestmark = pytest.mark.django_db

GOOD_ROWS = (
    "城乡建设,住房保障,保障性住房\n"
    "城乡建设,住房保障,公租房\n"
    "城乡建设,物业管理,\n"
    "环境保护,噪声污染,建筑施工噪声\n"
)


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "labels.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_categories", str(path), *args, stdout=out)
    return out.getvalue()


def tree() -> set[tuple[int, str]]:
    return {(c.level, c.path) for c in Category.objects.all()}


def test_utf8_file_with_bom_builds_three_levels_with_parent_links(tmp_path: Path) -> None:
    path = write(tmp_path, "level1,level2,level3\n" + GOOD_ROWS, encoding="utf-8-sig")

    output = run(path)

    assert tree() == {
        (1, "城乡建设"), (1, "环境保护"),
        (2, "城乡建设 / 住房保障"), (2, "城乡建设 / 物业管理"), (2, "环境保护 / 噪声污染"),
        (3, "城乡建设 / 住房保障 / 保障性住房"), (3, "城乡建设 / 住房保障 / 公租房"),
        (3, "环境保护 / 噪声污染 / 建筑施工噪声"),
    }
    assert not Category.objects.exclude(site=None).exists()
    assert "新建 8" in output and "8 created" in output


def test_gbk_file_from_chinese_excel_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "level1,level2,level3\r\n" + GOOD_ROWS.replace("\n", "\r\n"), encoding="gbk")

    output = run(path)

    assert Category.objects.filter(level=3, name="建筑施工噪声", parent__name="噪声污染").exists()
    assert "gb18030" in output


def test_running_twice_creates_nothing_new(tmp_path: Path) -> None:
    path = write(tmp_path, "level1,level2,level3\n" + GOOD_ROWS)
    run(path)
    before = set(Category.objects.values_list("pk", "parent_id", "name", "level"))

    output = run(path)

    assert set(Category.objects.values_list("pk", "parent_id", "name", "level")) == before
    assert "新建 0，已存在 8" in output


def test_bad_rows_are_reported_by_line_and_good_rows_still_imported(tmp_path: Path) -> None:
    long_name = "很" * 61
    path = write(
        tmp_path,
        "level1,level2,level3\n"
        "交通运输,公交线路,线路调整\n"  # line 2, good
        ",公交线路,站点设置\n"  # line 3, empty level1
        "\n"  # line 4, blank: skipped silently
        f"交通运输,{long_name},\n"  # line 5, too long
        "交通运输,,出租车\n",  # line 6, level3 without level2
    )

    output = run(path)

    assert "第3行：一级分类为空 / line 3: level1 is empty" in output
    assert "第5行" in output and "line 5: level2 name is longer than 60" in output
    assert "第6行：有三级分类但二级分类为空 / line 6: level3 without level2" in output
    assert "第4行" not in output
    assert "拒绝 3 行" in output and "3 rows rejected" in output
    assert tree() == {(1, "交通运输"), (2, "交通运输 / 公交线路"), (3, "交通运输 / 公交线路 / 线路调整")}


def test_site_option_scopes_the_categories(tmp_path: Path) -> None:
    site = Site.objects.create(code="a-city", name="A市人民政府")
    path = write(tmp_path, "level1,level2,level3\n" + GOOD_ROWS)

    run(path, "--site", "a-city")

    assert Category.objects.count() == 8
    assert set(Category.objects.values_list("site_id", flat=True)) == {site.pk}


def test_unknown_site_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "level1,level2,level3\n" + GOOD_ROWS)
    with pytest.raises(CommandError, match="站点不存在"):
        run(path, "--site", "nowhere")


def test_wrong_header_is_refused_without_importing(tmp_path: Path) -> None:
    path = write(tmp_path, "一级,二级\n城乡建设,住房保障\n")
    with pytest.raises(CommandError, match="level1,level2,level3"):
        run(path)
    assert not Category.objects.exists()


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="文件不存在"):
        run(tmp_path / "absent.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 40, "Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text CSV"),
        (b"   \n", "empty"),
    ],
)
def test_files_that_are_not_csv_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "labels.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(path)


@pytest.mark.django_db
def test_two_shared_top_level_categories_cannot_have_the_same_name():
    from django.db import IntegrityError, transaction

    from minsheng.sites.models import Category

    Category.objects.create(name="城乡建设", level=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(name="城乡建设", level=1)
