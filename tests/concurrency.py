"""Running calls at the same moment, each on its own database connection (for the PostgreSQL race tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection


def at_once(call: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]) -> list[Any]:
    """``call(*args)`` for each of ``arguments``, in threads released together by a barrier; their results (in
    the order they finished). An exception in a thread is raised here, after every thread ended."""
    barrier = threading.Barrier(len(arguments), timeout=10)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(args: tuple[Any, ...]) -> None:
        try:
            barrier.wait()
            results.append(call(*args))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()  # each thread's own connection, or the test database cannot be dropped

    threads = [threading.Thread(target=run, args=(args,)) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
