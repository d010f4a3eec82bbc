# Issue 20: the volunteers' recruitment pipeline (stages and their history), the training curriculum,
# and the staff category of facilitators. Volunteers recorded before the pipeline are active or alumni
# (as `is_active` said); facilitators get the category their role implies (a volunteer, an external
# expert as an external trainer; staff are employees unless their membership says otherwise).

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models, router

import kujdes.core.fields


def stages_and_categories_fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Volunteer = apps.get_model("programme", "Volunteer")
    Facilitator = apps.get_model("programme", "Facilitator")
    Membership = apps.get_model("core", "Membership")
    using = schema_editor.connection.alias
    if not router.allow_migrate_model(using, Volunteer):
        return
    volunteers = Volunteer._base_manager.using(using)
    volunteers.filter(is_active=True).update(stage="active")
    volunteers.filter(is_active=False).update(stage="alumni")
    for volunteer in volunteers.filter(stage_since__isnull=True).only("pk", "joined_on"):
        volunteers.filter(pk=volunteer.pk).update(stage_since=volunteer.joined_on)
    facilitators = Facilitator._base_manager.using(using)
    facilitators.filter(role="volunteer").update(staff_category="volunteer")
    facilitators.filter(role="expert").update(staff_category="external_trainer")
    memberships = Membership._base_manager.using(using)
    for facilitator in facilitators.filter(role="staff", user__isnull=False):
        category = (
            memberships.filter(user_id=facilitator.user_id, organisation_id=facilitator.organisation_id)
            .exclude(staff_category="")
            .values_list("staff_category", flat=True)
            .first()
        )
        if category and category != facilitator.staff_category:
            facilitators.filter(pk=facilitator.pk).update(staff_category=category)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_membership_staff_category"),
        ("programme", "0002_volunteer_phone_sealed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TrainingModule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("code", models.SlugField(max_length=40, verbose_name="code")),
                ("names", models.JSONField(default=dict, verbose_name="names")),
                ("hours", models.DecimalField(decimal_places=1, max_digits=4, verbose_name="hours")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                ("is_active", models.BooleanField(default=True, verbose_name="part of the curriculum")),
                ("version", models.PositiveIntegerField(default=1)),
            ],
            options={
                "ordering": ["order", "code"],
            },
        ),
        migrations.CreateModel(
            name="VolunteerStageChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "from_stage",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("application", "Application"),
                            ("interview", "Interview"),
                            ("training", "Training"),
                            ("safeguarding", "Safeguarding check"),
                            ("active", "Active"),
                            ("alumni", "Alumni"),
                            ("refused", "Not accepted"),
                            ("withdrawn", "Withdrew"),
                        ],
                        max_length=16,
                        verbose_name="from",
                    ),
                ),
                (
                    "to_stage",
                    models.CharField(
                        choices=[
                            ("application", "Application"),
                            ("interview", "Interview"),
                            ("training", "Training"),
                            ("safeguarding", "Safeguarding check"),
                            ("active", "Active"),
                            ("alumni", "Alumni"),
                            ("refused", "Not accepted"),
                            ("withdrawn", "Withdrew"),
                        ],
                        max_length=16,
                        verbose_name="to",
                    ),
                ),
                ("decided_on", models.DateField(verbose_name="decided on")),
                ("notes", kujdes.core.fields.EncryptedTextField(blank=True, null=True, verbose_name="notes")),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["-decided_on", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="facilitator",
            name="staff_category",
            field=models.CharField(
                choices=[
                    ("employee", "Employee"),
                    ("missionary", "Missionary or religious"),
                    ("volunteer", "Volunteer"),
                    ("external_trainer", "External trainer"),
                ],
                default="employee",
                max_length=20,
                verbose_name="staff category",
            ),
        ),
        migrations.AddField(
            model_name="volunteer",
            name="certificate_issued_on",
            field=models.DateField(blank=True, null=True, verbose_name="certificate issued on"),
        ),
        migrations.AddField(
            model_name="volunteer",
            name="certificate_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="certificate number"),
        ),
        migrations.AddField(
            model_name="volunteer",
            name="stage",
            field=models.CharField(
                choices=[
                    ("application", "Application"),
                    ("interview", "Interview"),
                    ("training", "Training"),
                    ("safeguarding", "Safeguarding check"),
                    ("active", "Active"),
                    ("alumni", "Alumni"),
                    ("refused", "Not accepted"),
                    ("withdrawn", "Withdrew"),
                ],
                default="active",
                max_length=16,
                verbose_name="stage",
            ),
        ),
        migrations.AddField(
            model_name="volunteer",
            name="stage_since",
            field=models.DateField(blank=True, null=True, verbose_name="in this stage since"),
        ),
        migrations.AddField(
            model_name="volunteertraining",
            name="hours",
            field=models.DecimalField(
                blank=True, decimal_places=1, max_digits=4, null=True, verbose_name="hours"
            ),
        ),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(fields=["unit", "stage"], name="programme_vol_stage_idx"),
        ),
        migrations.AddField(
            model_name="trainingmodule",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.organisation"
            ),
        ),
        migrations.AddField(
            model_name="volunteertraining",
            name="module",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="trainings",
                to="programme.trainingmodule",
                verbose_name="curriculum module",
            ),
        ),
        migrations.AddField(
            model_name="volunteerstagechange",
            name="decided_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by",
            ),
        ),
        migrations.AddField(
            model_name="volunteerstagechange",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.organisation"
            ),
        ),
        migrations.AddField(
            model_name="volunteerstagechange",
            name="volunteer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="stage_changes",
                to="programme.volunteer",
            ),
        ),
        migrations.AddConstraint(
            model_name="trainingmodule",
            constraint=models.UniqueConstraint(
                fields=("organisation", "code"), name="programme_module_code_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="volunteerstagechange",
            index=models.Index(fields=["volunteer", "decided_on"], name="programme_stage_vol_idx"),
        ),
        migrations.RunPython(stages_and_categories_fill, migrations.RunPython.noop, elidable=False),
    ]
