"""Index for the staff queues: open cases by (status, next deadline, id).

Queue lists read one status at a time in deadline order (`cases/queues.page`) and the home page
counts every open case in the user's scope. Partial (open cases only: ~10 % of the table, the rest
is history), and on PostgreSQL covering the columns the queue conditions and scopes test, so both
are index-only scans (measured with 1,000,000 cases: docs/performance.md, "Back office").
Written as SQL because Django's Index cannot express INCLUDE on SQLite (there it is left out).
"""

from django.db import migrations

OPEN = "('submitted', 'need_info', 'accepted', 'returned', 'dispatched', 'processing', 'reviewing', 'replied', 'disputed')"
FORWARD = {
    "postgresql": [
        "CREATE INDEX case_open_queue ON cases_case (status, next_due_at, id) "
        f"INCLUDE (site_id, lead_department_id, is_supervised, redo_count) WHERE status IN {OPEN}",
    ],
    "sqlite": [f"CREATE INDEX case_open_queue ON cases_case (status, next_due_at, id) WHERE status IN {OPEN}"],
}


def forward(apps, schema_editor):
    for sql in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor in FORWARD:
        schema_editor.execute("DROP INDEX IF EXISTS case_open_queue")


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_assignment_assisting_index")]
    operations = [migrations.RunPython(forward, backward)]
