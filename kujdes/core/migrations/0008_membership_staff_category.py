# Memberships say how their holder serves the unit (issue 20): employee, missionary or religious,
# volunteer, external trainer, or nothing for those who are not the programme's staff. The rows that
# existed before get the category their role implies, as kujdes.core.services.staff_category_default
# does for new ones.
#
# (Numbered 0008: a `makemigrations` run for the employment pathway once generated this field into an
# untracked 0007 that nothing depends on; the employment migration depends on 0006.)

from django.db import migrations, models, router

DEFAULTS = {
    "volunteer": "volunteer",
    "network_coordinator": "",
    "viewer": "",
}


def categories_fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Membership = apps.get_model("core", "Membership")
    using = schema_editor.connection.alias
    if not router.allow_migrate_model(using, Membership):
        return
    rows = Membership._base_manager.using(using).filter(staff_category="")
    for role, category in DEFAULTS.items():
        rows.filter(role=role).update(staff_category=category)
    rows.exclude(role__in=list(DEFAULTS)).update(staff_category="employee")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_read_tally"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="staff_category",
            field=models.CharField(
                blank=True,
                choices=[
                    ("employee", "Employee"),
                    ("missionary", "Missionary or religious"),
                    ("volunteer", "Volunteer"),
                    ("external_trainer", "External trainer"),
                ],
                max_length=20,
                verbose_name="staff category",
            ),
        ),
        migrations.RunPython(categories_fill, migrations.RunPython.noop, elidable=False),
    ]
