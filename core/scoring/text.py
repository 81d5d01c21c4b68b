"""Word stems for matching criteria against papers: `quantized` and `quantization` meet."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_TOKEN = re.compile(r"[a-z0-9]+")
# A snowball stemmer keeps the word it works on in itself: one per thread, or two digests built
# at once (two chat commands) corrupt each other's words.
_STEMMERS = threading.local()
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {
    "etc", "eg", "ie", "like", "new", "based", "existing", "certain", "use", "using", "work",
    "research", "method", "methods", "approach", "approaches", "paper", "papers",
}  # fmt: skip


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def stems(text: str) -> list[str]:
    """Lower-cased, stop-word-free stems of `text` (TeX math is just more tokens)."""
    return [stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS and len(t) > 1]
