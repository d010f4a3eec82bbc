# The place of a trafficking event was a plain column; it becomes sealed with the person's key
# (docs/data-protection.md, "What is encrypted, what is plain, and why"). The country stays plain.

from django.db import migrations, router

import kujdes.core.fields


def place_seal(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kujdes.core.sealing import plaintext_columns_seal

    TraffickingEvent = apps.get_model("cases", "TraffickingEvent")
    using = schema_editor.connection.alias
    if router.allow_migrate_model(using, TraffickingEvent):
        plaintext_columns_seal(
            model=TraffickingEvent, using=using, fields=("place",), key="case__person__key_id"
        )


def place_open(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kujdes.core.sealing import sealed_columns_open

    TraffickingEvent = apps.get_model("cases", "TraffickingEvent")
    using = schema_editor.connection.alias
    if router.allow_migrate_model(using, TraffickingEvent):
        sealed_columns_open(
            model=TraffickingEvent, using=using, fields={"place": ""}, key="case__person__key_id"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_approval_referral_abroad"),
    ]

    operations = [
        migrations.AlterField(
            model_name="traffickingevent",
            name="place",
            field=kujdes.core.fields.EncryptedTextField(
                blank=True, max_length=120, null=True, verbose_name="place"
            ),
        ),
        migrations.RunPython(place_seal, place_open, elidable=False),
    ]
