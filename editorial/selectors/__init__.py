"""Reads of the editorial domain, always scoped to one zone, one module per area.

Every selector that feeds a list page runs a fixed number of queries whatever the number of rows
(tests hold them to it with ``django_assert_max_num_queries``).
"""

from editorial.selectors.publishing import worker_last_seen
from editorial.selectors.zone import ZoneOverview, zone_active_values, zone_overview

__all__ = ["ZoneOverview", "worker_last_seen", "zone_active_values", "zone_overview"]
