"""Word stems for matching criteria against papers: `quantized` and `quantization` meet."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

_TOKEN = re.compile(r"[a-z0-9]+")
# A snowball stemmer keeps the word it works on in itself: one per thread, or two digests built
# at once (two chat commands) corrupt each other's words.
_STEMMERS = threading.local()
_OWN_STOP_WORDS = {
    "etc", "eg", "ie", "like", "new", "based", "existing", "certain", "use", "using", "work",
    "research", "method", "methods", "approach", "approaches", "paper", "papers",
}  # fmt: skip


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """scikit-learn's English list plus our own; loaded on first use, because importing
    scikit-learn costs seconds that commands which never match text must not pay."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _OWN_STOP_WORDS


# Adjective endings that change the meaning the stemmer strips away: "in contrast to" is not
# "contrastive methods", "reasonable" is not "reasoning". Ranking keeps the loose stems (they
# measure better on the shared days); what an explanation quotes must match strictly, with
# such words keeping a mark of their family (contrastive, contrastively; reasonable, reasonably).
_FAMILIES = (
    (("ively", "iveness", "ivity", "ives", "ive"), "~ive"),
    (("ably", "able"), "~able"),
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


@lru_cache(maxsize=200_000)
def strict_stem(word: str) -> str:
    """The stem, marked with its adjective family when the word has one (see _FAMILIES)."""
    stemmed = stem(word)
    for endings, mark in _FAMILIES:
        if len(word) > 6 and word.endswith(endings):
            return stemmed.removesuffix("abl").removesuffix("iv") + mark
    return stemmed


def stems(text: str) -> list[str]:
    """Lower-cased, stop-word-free stems of `text` (TeX math is just more tokens)."""
    stop = stop_words()
    return [stem(t) for t in _TOKEN.findall(text.lower()) if t not in stop and len(t) > 1]


def strict_stems(text: str) -> list[str]:
    """Like `stems`, aligned with it, but keeping adjective families apart (for explanations)."""
    stop = stop_words()
    return [strict_stem(t) for t in _TOKEN.findall(text.lower()) if t not in stop and len(t) > 1]
