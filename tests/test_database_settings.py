"""PostgreSQL as the desk uses it with years of history (issue 14, bench/search.py): no JIT compilation of its short
queries, and the indexes of migration 0014."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_jit_compiler_is_off(postgres):
    # With it, the day's posts with five years of history spent 0.5 s compiling a 20 ms query.
    with postgres.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_posts_page_order_has_its_index(postgres):
    with postgres.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'post_zone_planned_desc'")
        (definition,) = cursor.fetchone()
    assert "zone_id, planned_at DESC NULLS LAST, id DESC" in definition
