# The answers and the result of a screening were plain JSON; they become sealed with the person's key
# (docs/data-protection.md, "What is encrypted, what is plain, and why"). The positive dimensions stay
# plain, as codes, in a column of their own.

from django.db import migrations, models, router

import kujdes.core.fields


def answers_result_seal(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kujdes.core.sealing import plaintext_columns_seal

    Screening = apps.get_model("screening", "Screening")
    using = schema_editor.connection.alias
    if not router.allow_migrate_model(using, Screening):
        return

    def positive_dimensions(plaintexts):  # type: ignore[no-untyped-def]
        result = plaintexts["result"]
        return {} if result is None else {"positive_dimensions": list(result.get("positive_dimensions", []))}

    plaintext_columns_seal(
        model=Screening,
        using=using,
        fields=("answers", "result"),
        key="person__key_id",
        derive=positive_dimensions,
    )


def answers_result_open(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kujdes.core.sealing import sealed_columns_open

    Screening = apps.get_model("screening", "Screening")
    using = schema_editor.connection.alias
    if not router.allow_migrate_model(using, Screening):
        return
    sealed_columns_open(
        model=Screening, using=using, fields={"answers": "[]", "result": "{}"}, key="person__key_id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="screening",
            name="positive_dimensions",
            field=models.JSONField(blank=True, default=list, verbose_name="positive dimensions"),
        ),
        migrations.AlterField(
            model_name="screening",
            name="answers",
            field=kujdes.core.fields.EncryptedJSONField(blank=True, default=list, null=True),
        ),
        migrations.AlterField(
            model_name="screening",
            name="result",
            field=kujdes.core.fields.EncryptedJSONField(blank=True, default=dict, null=True),
        ),
        migrations.RunPython(answers_result_seal, answers_result_open, elidable=False),
    ]
