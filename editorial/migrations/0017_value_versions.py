"""Values have versions (issue 16, point 3): every value gets its version 1 with its texts as they are now, and the
value checks that read exactly those texts point to it (best effort: a check whose copied name and question match
neither language stays without a version; its copied texts remain what the reviewer read). Version 1 is dated from
the first review that answered its texts, or now when none did."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Min, Q
from django.utils import timezone

TEXT_FIELDS = ("name", "description", "question", "name_nl", "description_nl", "question_nl")


def first_versions(apps, schema_editor):
    Value = apps.get_model("editorial", "Value")
    ValueVersion = apps.get_model("editorial", "ValueVersion")
    ValueCheck = apps.get_model("editorial", "ValueCheck")
    now = timezone.now()
    for value in Value.objects.order_by("pk").iterator():
        read = Q(value_name=value.name, value_question=value.question)
        if value.question_nl.strip():
            read |= Q(value_name=value.name_nl.strip() or value.name, value_question=value.question_nl)
        checks = ValueCheck.objects.filter(read, value=value)
        first = checks.aggregate(first=Min("review__created_at"))["first"]
        version = ValueVersion.objects.create(
            value=value,
            number=1,
            created_at=min(first, now) if first is not None else now,
            **{field: getattr(value, field) for field in TEXT_FIELDS},
        )
        checks.update(value_version=version)


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0016_item_retention"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ValueVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "number",
                    models.PositiveIntegerField(
                        validators=[django.core.validators.MinValueValidator(1)], verbose_name="version"
                    ),
                ),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                ("question", models.CharField(max_length=250, verbose_name="reviewer question")),
                ("name_nl", models.CharField(blank=True, max_length=80, verbose_name="name in Dutch")),
                ("description_nl", models.TextField(blank=True, verbose_name="description in Dutch")),
                (
                    "question_nl",
                    models.CharField(blank=True, max_length=250, verbose_name="reviewer question in Dutch"),
                ),
                ("created_at", models.DateTimeField(verbose_name="in force since")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="written by",
                    ),
                ),
                (
                    "value",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="editorial.value",
                        verbose_name="value",
                    ),
                ),
            ],
            options={
                "verbose_name": "value version",
                "verbose_name_plural": "value versions",
                "ordering": ["value", "-number"],
            },
        ),
        migrations.AddField(
            model_name="valuecheck",
            name="value_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="editorial.valueversion",
                verbose_name="value version",
            ),
        ),
        migrations.AddConstraint(
            model_name="valueversion",
            constraint=models.UniqueConstraint(fields=("value", "number"), name="value_version_unique_number"),
        ),
        migrations.RunPython(first_versions, migrations.RunPython.noop),
    ]
