"""Demo knowledge entries for the demo city (after `seed_demo`), written through the actions."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from minsheng.accounts.models import Role, RoleKind
from minsheng.knowledge import actions
from minsheng.knowledge.models import KnowledgeEntry
from minsheng.sites.models import Category, Site

# Illustrative answers for the demo; a real site writes its own from its replies and documents.
ENTRIES = (
    ("住房公积金可以用来支付房租吗？",
     "可以。连续足额缴存住房公积金满3个月、本人及配偶在缴存地无自有住房且租赁住房的，可以申请提取住房公积金支付房租。"
     "请携带身份证、租赁合同到住房公积金管理中心服务窗口办理，或通过网上服务大厅申请。咨询电话：12329。",
     "《住房公积金管理条例》", "住房保障"),
    ("夜间施工噪音扰民应该向哪个部门反映？",
     "建筑施工单位在夜间（22时至次日6时）进行产生环境噪声污染的施工作业，须取得夜间施工许可。"
     "未经许可夜间施工的，可拨打12345热线或生态环境部门举报电话反映，执法人员将现场核查处理。",
     "《中华人民共和国噪声污染防治法》", "噪声污染"),
    ("孩子上小学需要准备哪些入学材料？",
     "一般需要准备：适龄儿童户口簿、父母身份证、房屋产权证明或租赁备案证明、预防接种证明。"
     "具体以所在区教育局当年发布的义务教育招生入学工作方案为准，可向学区学校或区教育局咨询。",
     "", "入学"),
    ("单位拖欠工资该怎么办？",
     "可先与单位协商；协商不成的，可向用人单位所在地人力资源和社会保障部门劳动保障监察机构投诉，"
     "或向劳动人事争议仲裁委员会申请仲裁。投诉时请携带身份证明、劳动合同、工资条或考勤记录等证据。咨询电话：12333。",
     "《保障农民工工资支付条例》", "工资拖欠"),
    ("物业费标准可以随意上调吗？",
     "不可以。住宅物业服务收费实行政府指导价的，由物业服务企业在政府指导价范围内与业主约定；"
     "实行市场调节价的，调整收费须依照物业服务合同约定的程序，经业主大会或者业主依法共同决定。",
     "《物业管理条例》", "物业管理"),
)


class Command(BaseCommand):
    help = "Add reviewed and published demo knowledge entries to the demo city and index its cases."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--site", default="a-city")

    def handle(self, *args: Any, site: str, **options: Any) -> None:
        site_obj = Site.objects.filter(code=site).first()
        if site_obj is None:
            raise CommandError(f"no site {site!r}: run seed_demo first")
        author = Role.objects.filter(site=site_obj, kind=RoleKind.INTAKE).select_related("user").first()
        reviewer = Role.objects.filter(site=site_obj, kind__in=[RoleKind.ADMIN, RoleKind.SUPERVISOR]).exclude(
            user=author.user if author else None).select_related("user").first()
        if author is None or reviewer is None:
            raise CommandError("the demo site needs an intake officer and an administrator or supervisor")
        made = 0
        for question, answer, policy, category in ENTRIES:
            if KnowledgeEntry.objects.filter(site=site_obj, question=question).exists():
                continue
            entry = actions.entry_create(site=site_obj, by=author.user, data=actions.EntryData(
                question=question, answer=answer, policy_title=policy,
                category=Category.objects.filter(name=category).first(),
            ))
            entry = actions.entry_review(entry, by=reviewer.user)
            # The review is the second pair of eyes; the information centre (intake) publishes.
            actions.entry_publish(entry, by=author.user)
            made += 1
        self.stdout.write(f"{made} demo knowledge entries added")
        call_command("similar_backfill", stdout=self.stdout)
