"""Shipped deadline rules (administrators edit them in the admin).

General cases: intake 1 working day, dispatch 1, receipt (签收) 1, first contact with the citizen 2,
reply 7 (the channel's own reply limit applies where it is set). Urgent cases (water, power, gas,
heating and the like): receipt 2 clock hours, reply 24 clock hours. Emergencies: intake, dispatch
and receipt 1 clock hour, reply 2 clock hours. Complex cases get 15 working days on approval
(see deadlines.COMPLEX_REPLY_WORKING_DAYS).
"""

from django.db import migrations

DEFAULTS = [
    # (priority, stage, amount, unit, note)
    ("", "accept", 1, "working_days", "一般留言1个工作日内受理"),
    ("", "dispatch", 1, "working_days", "受理后1个工作日内交办"),
    ("", "receive", 1, "working_days", "交办后1个工作日内签收"),
    ("", "contact", 2, "working_days", "签收后2个工作日内联系群众"),
    ("", "reply", 7, "working_days", "一般留言7个工作日内答复"),
    ("urgent", "accept", 2, "clock_hours", "紧急诉求2小时内受理"),
    ("urgent", "dispatch", 2, "clock_hours", "紧急诉求2小时内交办"),
    ("urgent", "receive", 2, "clock_hours", "水电气暖等紧急诉求2小时内签收"),
    ("urgent", "contact", 4, "clock_hours", "紧急诉求4小时内联系群众"),
    ("urgent", "reply", 24, "clock_hours", "水电气暖等紧急诉求24小时内答复"),
    ("emergency", "accept", 1, "clock_hours", "突发事件1小时内受理"),
    ("emergency", "dispatch", 1, "clock_hours", "突发事件1小时内交办"),
    ("emergency", "receive", 1, "clock_hours", "突发事件1小时内签收"),
    ("emergency", "contact", 1, "clock_hours", "突发事件1小时内联系群众"),
    ("emergency", "reply", 2, "clock_hours", "突发事件2小时内答复"),
]


def forward(apps, schema_editor):
    rule = apps.get_model("cases", "DeadlineRule")
    for priority, stage, amount, unit, note in DEFAULTS:
        rule.objects.create(priority=priority, stage=stage, amount=amount, unit=unit, note=note)


def backward(apps, schema_editor):
    apps.get_model("cases", "DeadlineRule").objects.filter(site__isnull=True, category__isnull=True,
                                                          channel_kind="").delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_deadlines_returns_supervision_followups")]
    operations = [migrations.RunPython(forward, backward)]
