"""What one uploaded photo costs a web worker (issue 16, point 6): time, peak memory and the memory still held
afterwards by the thread that decoded it, for a phone photo and for the 40-megapixel PNG of the security review.

    .venv/bin/python -m bench.image_memory             # results written to docs/performance.md
    .venv/bin/python -m bench.image_memory --no-write

Each size runs in a fresh process (peak memory is per process), in a thread as a web worker's request would, three
times; the 40 MP image is measured with the limit lifted for the measurement (the desk refuses it by default).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_MARK = "<!-- bench/image_memory.py results: start -->"
END_MARK = "<!-- bench/image_memory.py results: end -->"
SIZES = [("phone photo, 12 MP", 4032, 3024), ("phone photo, 16 MP", 4624, 3468), ("PNG, 40 MP", 7300, 5480)]


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure_one(width: int, height: int, runs: int = 3) -> dict:
    """In this process: a noisy photo-like PNG of ``width`` x ``height`` cleaned ``runs`` times, each in a thread."""
    import resource
    import threading

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zonepolice.settings")
    django.setup()
    from django.conf import settings
    from django.core.files.base import ContentFile
    from PIL import Image

    from editorial.images import clean_image

    settings.DESK_MAX_IMAGE_PIXELS = width * height
    settings.DESK_MAX_IMAGE_BYTES = 200_000_000
    # A gradient compresses like a photo's sky, not like a flat colour; its bytes are not what is measured.
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    data = buffer.getvalue()
    del image, buffer
    before = _rss_mb()
    seconds = []

    def run() -> None:
        started = time.perf_counter()
        clean_image(ContentFile(data, name="photo.png"))
        seconds.append(time.perf_counter() - started)

    held = []
    for _ in range(runs):
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        held.append(_rss_mb() - before)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3 - before
    return {"seconds": min(seconds), "peak_mb": peak, "held_mb": max(held)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.one:
        print(json.dumps(measure_one(*args.one)))
        return
    results = []
    for label, width, height in SIZES:
        out = subprocess.run(  # noqa: S603 - this script, run again with its own arguments
            [sys.executable, "-m", "bench.image_memory", "--one", str(width), str(height)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append((label, r))
        print(f"{label:22} {r['seconds']:.2f} s, peak +{r['peak_mb']:.0f} MB, held after +{r['held_mb']:.0f} MB")
    if not args.no_write:
        write_results(results)


def write_results(results: list[tuple[str, dict]]) -> None:
    lines = [
        START_MARK,
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.image_memory` on "
        f"{platform.node() or 'this machine'} ({os.cpu_count()} CPUs, Python {platform.python_version()}): "
        "`clean_image` on a PNG, three times, each in a thread as a web request would; peak and held are above "
        "the process's memory before the first image. The default limit is 20 million pixels "
        "(`DESK_MAX_IMAGE_PIXELS`): the 40 MP image is measured with it lifted, and refused by the desk.",
        "",
        "| image | time | peak memory | still held after |",
        "|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(f"| {label} | {r['seconds']:.2f} s | {r['peak_mb']:+.0f} MB | {r['held_mb']:+.0f} MB |")
    lines += ["", END_MARK]
    block = "\n".join(lines)
    from bench.doc_results import write_block

    write_block(block, start=START_MARK, end=END_MARK, heading="One uploaded photo in a web worker (issue 16)")


if __name__ == "__main__":
    main()
