"""Scoped reads of topics, alerts and reports.

Site-wide staff (administrator, intake, supervisor) see every topic of their sites. Department
staff see the topics that hold at least one case their department may see, and inside a topic
only those cases (`minsheng.cases.selectors.cases_for_staff`). Reports are for site-wide staff.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from minsheng.accounts.models import RoleKind, User
from minsheng.accounts.scopes import scope_for
from minsheng.cases.models import Case
from minsheng.cases.selectors import SITE_WIDE_ROLES, cases_for_staff
from minsheng.opinion.models import OpinionReport, SurgeAlert, Topic, TopicMember, TopicState


def topics_for_staff(user: User, *, active_only: bool = True) -> QuerySet[Topic]:
    scope = scope_for(user)
    site_ids = scope.sites(*SITE_WIDE_ROLES)
    condition = Q(site_id__in=site_ids)
    if scope.departments(RoleKind.HANDLER, RoleKind.REVIEWER):
        visible = cases_for_staff(user).filter(topic_membership__topic=OuterRef("pk"))
        condition |= Q(Exists(visible))
    qs = Topic.objects.filter(condition).select_related("site")
    return qs.filter(state=TopicState.ACTIVE) if active_only else qs


def topic_for_staff_or_404(user: User, pk: int) -> Topic:
    topic = topics_for_staff(user, active_only=False).filter(pk=pk).first()
    if topic is None:
        raise Http404
    return topic


def topic_cases_for_staff(user: User, topic: Topic) -> QuerySet[Case]:
    return (
        cases_for_staff(user).filter(topic_membership__topic=topic)
        .select_related("lead_department", "channel").order_by("-submitted_at", "-pk")
    )


def topic_member_count(topic: Topic) -> int:
    return TopicMember.objects.filter(topic=topic).count()


def surges_for_staff(user: User) -> QuerySet[SurgeAlert]:
    return SurgeAlert.objects.filter(topic__in=topics_for_staff(user, active_only=False)).select_related("topic")


def report_sites(user: User) -> frozenset[int]:
    return scope_for(user).sites(*SITE_WIDE_ROLES)


def reports_for_staff(user: User) -> QuerySet[OpinionReport]:
    return OpinionReport.objects.filter(site_id__in=report_sites(user)).select_related("site")


def report_for_staff_or_404(user: User, pk: int) -> OpinionReport:
    report = reports_for_staff(user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report
