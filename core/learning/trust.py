"""How far a user's learned model may be trusted: how well it predicts their own thumbs on
papers it was not trained on (out-of-fold), as the Gini coefficient 2·AUC − 1.

A model that ranks held-out 👍 above held-out 👎 no better than chance earns no weight; one
that ranks them perfectly earns the full weight its number of ratings allows. The criteria
score stays the judge of everything else, so a user whose taste is their criteria (where the
model only re-learns them, noisily) keeps the criteria's ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

FOLDS = 3
MIN_PER_CLASS = 2  # fewer held-out 👍 or 👎 than this per fold: too few to judge
UNKNOWN = 0.5  # the trust given before there are enough of both to judge


if TYPE_CHECKING:  # loaded where a model is trained, not by every command
    from scipy import sparse


class Scorer(Protocol):
    def decision_function(self, features: sparse.csr_matrix) -> np.ndarray: ...


Fit = Callable[["sparse.csr_matrix", "Sequence[bool] | np.ndarray", "Sequence[float] | np.ndarray"], Scorer]


def reliability(
    features: sparse.csr_matrix,
    labels: Sequence[bool],
    weights: Sequence[float],
    rated: int,
    fit: Fit,
) -> float:
    """The first `rated` rows are the thumbs, held out in turn; the rest (skipped and unrated
    papers) always train."""
    from sklearn import config_context
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    target = np.array(labels, dtype=bool)
    sample_weight = np.array(weights, dtype=float)
    thumbs = target[:rated]
    if min(int(thumbs.sum()), int((~thumbs).sum())) < MIN_PER_CLASS * FOLDS:
        return UNKNOWN
    always = np.arange(rated, len(target))
    held_out = np.zeros(rated)
    # the arguments are ours and well-formed: scikit-learn's checks of them cost more than the AUC
    with config_context(assume_finite=True, skip_parameter_validation=True):
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(np.zeros(rated), thumbs)
        for train, test in folds:
            rows = np.concatenate([train, always])
            model = fit(features[rows], target[rows], sample_weight[rows])
            held_out[test] = model.decision_function(features[test])
        auc = roc_auc_score(thumbs, held_out)
    return float(np.clip(2 * auc - 1, 0.0, 1.0))
