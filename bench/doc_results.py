"""Where each benchmark writes its measured results: its own block of docs/performance.md, between its markers."""

from __future__ import annotations

from pathlib import Path

PERFORMANCE_DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def write_block(block: str, *, start: str, end: str, heading: str) -> None:
    """Put ``block`` (which begins with ``start`` and ends with ``end``) in place of the block between those markers,
    or, the first time, at the end of the file under ``heading``."""
    text = PERFORMANCE_DOC.read_text()
    if start in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + f"\n\n## {heading}\n" + block + "\n"
    PERFORMANCE_DOC.write_text(text)
