"""The Posts page's full-text search on PostgreSQL (issue 14): accents ignored through text search configurations
that unaccent each word before stemming it, and GIN indexes on the expressions the search uses
(editorial/selectors/search.py). Nothing on SQLite, whose local search folds accents in Python."""

from django.db import migrations

# (configuration, the built-in one it copies, its stemmer)
CONFIGS = (("desk_french", "french", "french_stem"), ("desk_dutch", "dutch", "dutch_stem"))
# (index name, table, the column as SearchVector writes it: a varchar is coalesced, then cast to text)
COLUMNS = (
    ("post_title", "editorial_post", "(COALESCE(title, ''))::text"),
    ("variant_text", "editorial_postvariant", "COALESCE(text, '')"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # unaccent is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for name, source, stemmer in CONFIGS:
        schema_editor.execute(
            f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN
                CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{source});
                ALTER TEXT SEARCH CONFIGURATION {name}
                  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer};
              END IF;
            END $$"""
        )
    # The expressions are the ones Django's SearchVector writes, so that the planner uses these indexes.
    for name, _source, _stemmer in CONFIGS:
        for index, table, column in COLUMNS:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {index}_{name}_fts ON {table} "
                f"USING gin (to_tsvector('{name}'::regconfig, {column}))"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _source, _stemmer in CONFIGS:
        for index, _table, _column in COLUMNS:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}_{name}_fts")
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
    # The extension stays: another database object may use it.


class Migration(migrations.Migration):
    dependencies = [("editorial", "0011_templates_fast_lane_follow_ups_signoff")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
