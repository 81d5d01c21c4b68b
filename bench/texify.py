"""How long the TeX converter takes on hostile input, and what it makes of the shared days' TeX.

Prints the seconds for 100 KB of `\\(`, of nested braces, of `\\(\\$` and for a 12 KB stretch
of `\\$` (the longest input still parsed), and how many distinct titles and author names with
TeX in ../shared/data/arxiv-days the converter changes. Target: every hostile input < 1 s.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import shared_dir
from core.ingest.texify import MAX_TEX, texify

HOSTILE = {
    "100 KB of \\(": "\\(" * 50_000,
    "100 KB of nested braces": "{" * 50_000 + "}" * 50_000,
    "100 KB of \\(\\$": "\\(\\$" * 25_000,
    f"{MAX_TEX // 1000} KB of \\$ (parsed)": "\\$" * (MAX_TEX // 2 - 1),
    f"{MAX_TEX // 1000} KB of \\emph{{x}}": "\\emph{x}" * (MAX_TEX // 8 - 1),
}


def main() -> None:
    for name, text in HOSTILE.items():
        start = time.perf_counter()
        texify(text)
        print(f"{name}: {time.perf_counter() - start:.3f} s")
    seen: dict[str, str] = {}
    for path in sorted((shared_dir() / "data" / "arxiv-days").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                for text in [record["title"], *record["authors"]]:
                    if "\\" in text or "{" in text:
                        seen.setdefault(text, texify(" ".join(text.split())))
    changed = sum(raw != out for raw, out in seen.items())
    print(f"TeX strings in the shared days: {len(seen)}, rendered differently from the raw text: {changed}")


if __name__ == "__main__":
    main()
