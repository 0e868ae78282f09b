# A department's queue, counted and read from indexes that do not grow with its history:
# - (state, lead department, step deadline) serves what (state, lead department) served, and lets a capped
#   count stop after `cap` index entries, earliest deadline first; it carries the id (PostgreSQL: INCLUDE),
#   so a department's cases in a state are listed from the index alone — also what keeps the planner's
#   estimate of that list cheap on a large table (no JIT compilation for a 300-row queue);
# - the co-handling index holds only assignments whose work has not ended (`ended_at` empty): a finished
#   case keeps its assignments active (they name who handled it), and its `ended_at` is set when it
#   finishes, so the index no longer accumulates every case a department ever co-handled. Rows of cases
#   finished before this migration get their `ended_at` here.

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

FINISHED = ("closed", "not_filed", "void", "merged")


def end_finished_assignments(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseAssignment = apps.get_model("cases", "CaseAssignment")
    finished_at = Case.objects.filter(pk=OuterRef("case_id")).values(
        at=Coalesce("closed_at", "updated_at"))[:1]
    CaseAssignment.objects.filter(is_active=True, ended_at__isnull=True, case__state__in=FINISHED).update(
        ended_at=Subquery(finished_at))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_fewer_case_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='cases_state_lead',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['state', 'lead_department', 'step_deadline'], include=('id',), name='cases_state_lead_deadline'),
        ),
        migrations.RunPython(end_finished_assignments, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='caseassignment',
            name='cases_assign_shared',
        ),
        migrations.AddIndex(
            model_name='caseassignment',
            index=models.Index(condition=models.Q(('ended_at__isnull', True), ('is_active', True), ('is_lead', False)), fields=['department', 'case'], name='cases_assign_shared'),
        ),
    ]
