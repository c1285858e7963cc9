"""Cases about a few concerns, submitted through the real action, for the opinion tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from minsheng.cases.models import Case
from minsheng.conftest import World, submit_case

NOISE = [
    ("幸福家园小区旁搅拌站夜间噪音扰民", "幸福家园小区旁边的混凝土搅拌站每天夜里施工，噪音和粉尘严重影响居民休息。"),
    ("投诉幸福家园搅拌站噪音", "幸福家园小区附近搅拌站通宵作业，噪音太大，孩子无法入睡，请环保部门查处。"),
    ("幸福家园小区搅拌站粉尘噪音污染", "搅拌站就在幸福家园小区旁边，日夜施工噪音扰民，粉尘满天。"),
    ("再次反映幸福家园旁搅拌站噪音", "幸福家园小区居民再次反映，搅拌站夜间施工噪音扰民，希望尽快关停。"),
]
SCHOOL = [
    ("金桂苑业主子女入学难", "金桂苑小区业主的孩子不能在对口的实验小学入学，学位不够，请教育局解决入学问题。"),
    ("金桂苑对口小学学位不足", "金桂苑小区孩子入学，对口实验小学说学位已满，业主交房时承诺的入学配套没有兑现。"),
    ("反映金桂苑小区入学配套问题", "金桂苑小区开发商承诺配套实验小学入学，现在学位不足，孩子无法入学。"),
]
OTHER = ("咨询公积金贷款额度", "我在本市缴纳公积金三年，想买首套房，公积金贷款最高能贷多少？")


def phone(k: int) -> str:
    return f"139{k:08d}"


def submit_many(world: World, texts: list[tuple[str, str]], *, at: datetime | None = None, start: int = 0,
                same_citizen: bool = False, **extra: object) -> list[Case]:
    at = at or timezone.now()
    out = []
    for k, (title, body) in enumerate(texts):
        out.append(submit_case(world, title=title, body=body, phone=phone(0 if same_citizen else start + k),
                               name="张三", at=at + timedelta(seconds=k), **extra).case)
    return out
