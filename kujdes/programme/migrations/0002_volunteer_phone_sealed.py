# A volunteer's phone number was a plain column; each volunteer gets a key of their own and the number
# is sealed with it (docs/data-protection.md, "What is encrypted, what is plain, and why").

from django.db import migrations, models, router

import kujdes.core.fields


def phone_seal(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kujdes.core.sealing import plaintext_columns_seal

    Volunteer = apps.get_model("programme", "Volunteer")
    using = schema_editor.connection.alias
    if router.allow_migrate_model(using, Volunteer):
        plaintext_columns_seal(
            model=Volunteer, using=using, fields=("phone",), key="key_id", create_keys=True
        )


def phone_open(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kujdes.core.sealing import sealed_columns_open

    Volunteer = apps.get_model("programme", "Volunteer")
    using = schema_editor.connection.alias
    if router.allow_migrate_model(using, Volunteer):
        sealed_columns_open(model=Volunteer, using=using, fields={"phone": ""}, key="key_id")


class Migration(migrations.Migration):
    dependencies = [
        ("programme", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="volunteer",
            name="key_id",
            field=models.UUIDField(editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="volunteer",
            name="phone",
            field=kujdes.core.fields.EncryptedTextField(
                blank=True, max_length=60, null=True, verbose_name="phone"
            ),
        ),
        migrations.RunPython(phone_seal, phone_open, elidable=False),
    ]
