"""General word lists that give the offline scorer a sense of what the criteria mean by
"foundational", "application-driven" and "novel" when they say so in prose.

They are common-sense vocabularies of ML writing, switched on only by criteria that ask for
foundational work or to avoid applications; they are not fitted to any user's picks.
"""

from __future__ import annotations

from core.scoring.text import stem

FOUNDATIONAL = """
theoretical theory theorem prove provably proof bound bounds analysis understanding insight
insights mechanism mechanisms principled principle dynamics generalization convergence emergence
phenomenon explain explains characterize characterization formal formalize implicit expressivity
expressive capacity scaling law laws representation representations geometry kernel asymptotic
optimization landscape inductive bias interpretability paradigm fundamental
"""
APPLIED = """
dataset datasets clinical patient patients medical diagnosis disease hospital traffic agriculture
crop financial stock market robot robotic robots education student students grid sensor sensors
detection segmentation forecasting prediction images image video driving vehicle vehicles urban
city weather climate energy battery manufacturing industrial fault anomaly fraud cybersecurity
intrusion malware legal e-commerce customer recommendation user users game games drug protein
molecule retrieval speech audio music emotion social media news chatbot healthcare ecg eeg mri ct
satellite remote sensing wireless network networks 5g iot edge devices
"""
NOVEL = """
novel first new introduce introduces propose proposes paradigm unexplored rethink rethinking
challenge challenges surprising surprisingly breakthrough fundamentally unified principled
"""
ROUTINE = """
incremental benchmark benchmarking survey review case study empirical evaluation comparison
comparative reproduction replication application applications applied deployment toolkit
"""


def _stems(words: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words.split())


FOUNDATIONAL_STEMS = _stems(FOUNDATIONAL)
APPLIED_STEMS = _stems(APPLIED)
NOVEL_STEMS = _stems(NOVEL)
ROUTINE_STEMS = _stems(ROUTINE)
