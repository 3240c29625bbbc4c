"""Thin views by area: dashboard, items, posts (drafting and the post page), review, plan.

Each view finds its zone with ``access``, asks ``accounts.permissions`` what the user may do, reads through
``editorial.selectors`` and writes through ``editorial.services``.
"""
