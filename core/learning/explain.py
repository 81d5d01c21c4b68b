"""Why ratings moved a paper: the threshold that makes them the reason, and the words for it.

The model (`model.Preferences.adjust`) names the liked paper each one resembles; the digest
shows it next to the scorer's comment only when the ratings really moved the paper up. A paper
chosen to explore says so, since the reader would otherwise wonder why it is there.
"""

from __future__ import annotations

BECAUSE_OF_RATINGS = 0.5  # a paper ranked up by half a point or more is there because of ratings


def ranked_up_by_ratings(boost: float) -> bool:
    return boost >= BECAUSE_OF_RATINGS


def resembles(comment: str, like: str) -> str:
    """The scorer's comment, and which liked paper this one resembles."""
    return f"{comment} (ranked up by your ratings: like “{like}”)"


def exploring(comment: str) -> str:
    """Said of the digest's one paper outside the learned focus, so the reader knows why it is there."""
    return f"{comment} (to explore: outside your usual picks; your 👍/👎 on it teaches both ways)"
