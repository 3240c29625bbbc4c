"""Row locks and the one order every transaction takes them in (no deadlock by design).

A transaction that changes a post or its publications takes its locks in this order, each at most once:

0. a template (``editorial.template_services.template_lock``), when the change depends on its approval: an edit of
   the template, an instance or a follow-up made from it;
1. the post (``post_lock``);
2. the publication(s) of that post, by a lock or by a conditional UPDATE;
3. last, inside ``editorial.audit.audit_record_many``, the audit chain's lock; the foreign keys written so far are
   checked just before it (PostgreSQL would check them at COMMIT, i.e. while holding the chain's lock, waiting for
   rows that another transaction holds while it waits for the chain: the deadlock the fault campaign found).

Every row lock is ``FOR NO KEY UPDATE``: it serialises the writers of the row but does not block the foreign-key
checks of rows that point at it (a comment on a post being published, an attempt of a publication).

The dispatcher is the one writer outside this order: it locks waiting publications with SKIP LOCKED, so it never
waits for anyone, and writes no audit event.
"""

from __future__ import annotations

from editorial.models import Post


def post_lock(post: Post | int) -> Post:
    """The post, read again and locked until the end of the current transaction, with its zone and item.

    SQLite has no row locks: there every transaction takes the database's write lock when it begins (settings)."""
    pk = post if isinstance(post, int) else post.pk
    # ``of``: the post row only (the item is an outer join, which PostgreSQL cannot lock).
    return Post.objects.select_for_update(of=("self",), no_key=True).select_related("zone", "item").get(pk=pk)
