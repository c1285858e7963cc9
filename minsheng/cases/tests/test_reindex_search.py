"""`manage.py reindex_search`: published cases cut again with the dictionary as it is now."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from minsheng.cases import actions, search
from minsheng.cases.models import Case, SearchDocument
from minsheng.lib import chinese
from minsheng.sites.models import Site

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str) -> str:
    out = StringIO()
    call_command("reindex_search", *args, stdout=out)
    return out.getvalue()


def published_about(world, make_case, place: str) -> Case:
    """A published case whose public text names `place`."""
    case = make_case("replied")
    actions.case_edit_publication(case, by=world.intake, publish_agreed=True, public_title=f"{place}夜间噪音",
                                  public_body=f"{place}小区门口搅拌站夜间施工，噪音扰民。")
    case.refresh_from_db()
    assert case.published_at is not None
    return case


def found(word: str) -> set[int]:
    return set(search.search(Case.objects.all(), word).values_list("pk", flat=True))


def test_a_case_indexed_before_a_word_was_added_is_found_by_that_word_after_reindexing(world, make_case):
    place = "栖霞岭北麓苑"  # jieba cuts it 栖霞 / 岭 / 北麓 / 苑 until it is a user word
    case = published_about(world, make_case, place)
    assert found(place) == {case.pk}  # the query is cut the same way as the stored text
    chinese.add_user_words([(place, "ns")])
    assert found(place) == set()  # the query now keeps the word whole; the stored text does not
    output = run()
    assert found(place) == {case.pk}
    assert place in SearchDocument.objects.get(case=case).tokens.split()
    assert "processed 1 of 1" in output and "done: 1 rewritten, 0 unchanged" in output


def test_running_it_again_rewrites_nothing(world, make_case):
    published_about(world, make_case, "幸福家园")
    run()
    assert "done: 0 rewritten, 1 unchanged, 0 no longer published" in run()


def test_a_row_left_for_a_case_no_longer_published_is_removed(world, make_case):
    case = make_case("processing")  # never published
    SearchDocument.objects.create(case=case, site=case.site, tokens="旧 分词")
    assert "1 no longer published and removed" in run()
    assert not SearchDocument.objects.filter(case=case).exists()


def test_site_limits_the_run_to_that_sites_cases(world, make_case):
    published_about(world, make_case, "幸福家园")
    other = Site.objects.create(code="b-city", name="B市人民政府")
    assert "processed" not in run("--site", other.code)
    assert "processed 1 of 1" in run("--site", world.city.code)


def test_progress_lines_say_where_to_resume_and_after_id_resumes_there(world, make_case):
    first = published_about(world, make_case, "幸福家园")
    second = published_about(world, make_case, "澄湖东岸雅居")
    SearchDocument.objects.all().update(tokens="旧 分词")  # both indexed with old words
    output = run("--batch-size", "1")
    assert f"processed 1 of 2 (up to case id {first.pk}; resume with --after-id {first.pk})" in output
    assert f"processed 2 of 2 (up to case id {second.pk}; resume with --after-id {second.pk})" in output
    SearchDocument.objects.all().update(tokens="旧 分词")
    output = run("--after-id", str(first.pk))
    assert "processed 1 of 1" in output
    assert SearchDocument.objects.get(case=first).tokens == "旧 分词"
    assert "澄湖" in SearchDocument.objects.get(case=second).tokens


def test_an_interrupted_run_keeps_the_batches_it_finished(world, make_case, monkeypatch):
    first = published_about(world, make_case, "幸福家园")
    second = published_about(world, make_case, "澄湖东岸雅居")
    SearchDocument.objects.all().update(tokens="旧 分词")
    real = search.reindex_batch
    calls: list[int] = []

    def stops_after_one(ids):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(ids)

    monkeypatch.setattr(search, "reindex_batch", stops_after_one)
    with pytest.raises(KeyboardInterrupt):
        run("--batch-size", "1")
    assert SearchDocument.objects.get(case=first).tokens != "旧 分词"
    assert SearchDocument.objects.get(case=second).tokens == "旧 分词"


@pytest.mark.parametrize(
    ("args", "english"),
    [
        (("--site", "nowhere"), "no site with code 'nowhere'"),
        (("--site", ""), "no site with code ''"),
        (("--batch-size", "0"), "--batch-size must be between 1 and 10000: 0"),
        (("--batch-size", "100000"), "--batch-size must be between 1 and 10000: 100000"),
        (("--batch-size", "many"), "--batch-size must be a whole number: 'many'"),
        (("--batch-size", "1.5"), "--batch-size must be a whole number: '1.5'"),
        (("--after-id", "-3"), "--after-id must be at least 0: -3"),
        (("--after-id", "abc"), "--after-id must be a whole number: 'abc'"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_and_english_message(world, args, english):
    with pytest.raises(CommandError) as refused:
        run(*args)
    message = str(refused.value)
    assert english in message
    assert CHINESE.search(message)
