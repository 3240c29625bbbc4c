"""Indexes for years of history (issue 14, measured by bench/search.py): what went out in a period, the posts of a
period whatever their status, and, on PostgreSQL only, the Posts page's default order (newest planned first, posts
without a time last: SQLite cannot order an index NULLS LAST, and its local desk never holds years of posts)."""

from django.conf import settings
from django.db import migrations, models

ORDERED = "post_zone_planned_desc"


def create_ordered(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {ORDERED} ON editorial_post (zone_id, planned_at DESC NULLS LAST, id DESC)"
        )


def drop_ordered(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {ORDERED}")


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0013_plan_targets_time_budget"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["zone", "planned_at"], name="editorial_p_zone_id_0d9d3e_idx"),
        ),
        migrations.AddIndex(
            model_name="publication",
            index=models.Index(fields=["status", "published_at"], name="editorial_p_status_53d928_idx"),
        ),
        migrations.RunPython(create_ordered, drop_ordered, elidable=False),
    ]
