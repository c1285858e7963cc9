"""Supervisions (督办) end with a case that ends without the reply they asked for.

Before this migration only an approved reply closed a supervision: a case rejected, merged or closed
by a supervisor's decision kept `is_supervised` and its supervisions open, listed as running on its
page. They are closed here at the case's closing, as the actions now close them (case_reject,
case_merge, case_decide). A merged case's supervision is not carried to the surviving case after
the fact: whoever issued it may supervise that case. Backwards, nothing is reopened: the rows closed
here cannot be told from those closed by the actions, and the schema does not change.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Now

ENDED = ("rejected", "merged", "closed")


def end_supervisions_of_ended_cases(apps, schema_editor):
    Supervision = apps.get_model("cases", "Supervision")
    Case = apps.get_model("cases", "Case")
    case = Case.objects.filter(pk=OuterRef("case_id"))
    Supervision.objects.filter(closed_at__isnull=True, case__status__in=ENDED).update(
        closed_at=Coalesce(Subquery(case.values("closed_at")[:1]), Now(), output_field=models.DateTimeField())
    )
    Case.objects.filter(is_supervised=True, status__in=ENDED).update(is_supervised=False)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_assisting_finished"),
    ]

    operations = [
        migrations.RunPython(end_supervisions_of_ended_cases, migrations.RunPython.noop),
    ]
