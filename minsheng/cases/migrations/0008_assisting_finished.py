"""Assisting assignments end when the case leaves handling (see Assignment.finished_at).

Before this migration an assisting department's assignment stayed active for ever, so every case
it ever helped with stayed in its scope's list of active assignments. Rows of cases that already
left handling (replied, disputed, closed) are ended here as the action now ends them, dated at
the reply (or the closing when an old row has no reply time).
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Now

LEFT_HANDLING = ("replied", "disputed", "closed")


def end_finished_assisting(apps, schema_editor):
    Assignment = apps.get_model("cases", "Assignment")
    Case = apps.get_model("cases", "Case")
    case = Case.objects.filter(pk=OuterRef("case_id"))
    Assignment.objects.filter(role="assisting", is_active=True, case__status__in=LEFT_HANDLING).update(
        is_active=False,
        finished_at=Coalesce(
            Subquery(case.values("replied_at")[:1]), Subquery(case.values("closed_at")[:1]), Now(),
            output_field=models.DateTimeField(),
        ),
    )


def restore_active(apps, schema_editor):
    Assignment = apps.get_model("cases", "Assignment")
    Assignment.objects.filter(role="assisting", finished_at__isnull=False).update(is_active=True, finished_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_open_case_queue_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(end_finished_assisting, restore_active),
    ]
