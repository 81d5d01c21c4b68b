"""How well could any text ranker do on these labels? A supervised upper bound, not a product.

The labels of ../shared/data/arxiv-days are one gpt-4o pipeline's picks, and they are noisy.
This trains TF-IDF + logistic regression on the labels themselves, which no user ever gives:
1. for each day, on all labels of the 37 other days (future days included): ROC AUC, and
   the recall of selected papers in the top 30% (the prefilter target of issue 3 is 0.95);
2. on all labels of the first 15 days, measured on the following days (the feedback target
   of issue 7 is AUC 0.90 from 150 ratings of shown papers).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import labelled_days, read_records, shared_dir

SHARE = 0.30


def recall_at(scores: np.ndarray, labels: np.ndarray, share: float) -> float:
    top = np.argsort(-scores, kind="stable")[: max(20, int(np.ceil(share * len(scores))))]
    return float(labels[top].sum() / labels.sum())


def main() -> None:
    started = time.perf_counter()
    days = []
    for _date, listing, selected in labelled_days(shared_dir()):
        records = read_records(listing)
        texts = [f"{r['title']}. {r['title']}. {r['abstract']}" for r in records]
        days.append((texts, np.array([r["id"] in selected for r in records])))
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    vectorizer.fit([t for texts, _ in days for t in texts])
    features = [vectorizer.transform(texts) for texts, _ in days]

    def fit(indices: list[int]) -> LogisticRegression:
        x = sparse.vstack([features[i] for i in indices])
        y = np.concatenate([days[i][1] for i in indices])
        return LogisticRegression(C=5.0, max_iter=3000, class_weight="balanced").fit(x, y)

    aucs, recalls = [], []
    for k in range(len(days)):
        scores = fit([i for i in range(len(days)) if i != k]).decision_function(features[k])
        aucs.append(roc_auc_score(days[k][1], scores))
        recalls.append(recall_at(scores, days[k][1], SHARE))
    print(
        f"trained on the labels of the {len(days) - 1} other days: mean ROC AUC {np.mean(aucs):.3f}, "
        f"recall of selected papers in the top {SHARE:.0%} {np.mean(recalls):.3f} "
        f"(worst day {np.min(recalls):.3f})"
    )
    model = fit(list(range(15)))
    later = [roc_auc_score(days[k][1], model.decision_function(features[k])) for k in range(15, len(days))]
    print(
        f"trained on all {sum(len(days[i][1]) for i in range(15))} labels of the first 15 days: "
        f"mean ROC AUC {np.mean(later):.3f} on the {len(later)} following days; "
        f"{time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
