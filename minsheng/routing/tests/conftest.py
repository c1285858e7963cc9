"""A short invented history for the routing tests: noise and pollution go to the environment
department (dept_b), housing and building problems to housing (dept_a)."""

from __future__ import annotations

import pytest

from minsheng.cases import actions
from minsheng.conftest import submit_case
from minsheng.sites.models import Category

ENVIRONMENT = [
    ("工地夜间施工噪音扰民", "附近工地每天夜里施工，机器轰鸣，噪音很大，居民无法入睡。"),
    ("化工厂排放刺鼻废气", "化工厂烟囱排放黑烟，空气中有刺鼻气味，担心污染。"),
    ("河道污水直排发臭", "有企业向河道偷排污水，河水发黑发臭，鱼都死了。"),
    ("餐馆油烟污染严重", "楼下餐馆油烟直排，没有净化设备，油烟污染严重。"),
    ("搅拌站粉尘污染", "搅拌站粉尘满天飞，噪音和扬尘影响周边居民健康。"),
    ("垃圾焚烧异味", "露天焚烧垃圾，浓烟和异味污染空气，请环保部门查处。"),
]
HOUSING = [
    ("小区电梯经常故障", "小区电梯经常停运，维修资金迟迟不落实，老人上下楼困难。"),
    ("房屋漏水开发商不维修", "新房交付后墙体开裂漏水，开发商拖延维修，房屋质量有问题。"),
    ("公租房申请进度", "申请公租房已经半年，住房保障部门没有答复，想了解进度。"),
    ("老旧小区改造停工", "老旧小区改造工程停工，楼道管线裸露，施工单位不见人。"),
    ("商品房延期交房", "开发商延期交房一年，购房合同约定的违约金不支付。"),
    ("物业维修基金使用", "物业申请使用房屋维修基金，业主不知道用途，要求公开。"),
]


def walk(world, title: str, body: str, *, category: Category, department, handled: bool = True):  # type: ignore[no-untyped-def]
    """One case through the real actions: submitted, accepted, classified, dispatched, signed for."""
    case = submit_case(world, title=title, body=body).case
    actions.case_accept(case, by=world.intake)
    case.refresh_from_db()
    actions.case_classify(case, by=world.intake, category=category, priority=case.priority)
    case.refresh_from_db()
    actions.case_dispatch(case, by=world.intake, lead=department)
    if handled:
        case.refresh_from_db()
        handler = world.handler_a if department == world.dept_a else world.handler_b
        actions.case_receive(case, by=handler)
    case.refresh_from_db()
    return case


@pytest.fixture
def categories(world):  # type: ignore[no-untyped-def]
    top = Category.objects.create(name="环境保护", level=1)
    return {"housing": world.category, "environment": Category.objects.create(name="噪声污染", level=2, parent=top)}


@pytest.fixture
def history(world, categories):  # type: ignore[no-untyped-def]
    """24 handled cases, 12 per department, each message seen twice with a different place."""
    cases = []
    for place in ("东区", "西区"):
        for title, body in ENVIRONMENT:
            cases.append(walk(world, place + title, body, category=categories["environment"], department=world.dept_b))
        for title, body in HOUSING:
            cases.append(walk(world, place + title, body, category=categories["housing"], department=world.dept_a))
    return cases


@pytest.fixture
def trained(world, history):  # type: ignore[no-untyped-def]
    from minsheng.routing.training import train_model

    return train_model(world.city, by=world.admin)
