"""How well the offline scorer ranks each shared day for the seed-topics user.

For every day in ../shared/data/arxiv-days: ingest it, rank every scanned paper (`--all`),
and compare against that day's selected papers: mean ROC AUC and precision@10. Plain TF-IDF
cosine against the criteria text is printed alongside as the floor to beat. The labels are
used only to measure, never to fit anything.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bench_options, labelled_days, read_records, scratch_app, shared_dir, vector_cache
from bot.compose import App
from core.accounts import add_local_user
from storage import profiles


def tfidf_baseline(records: list[dict], criteria: str) -> np.ndarray:
    docs = [f"{r['title']} {r['abstract']}" for r in records]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(docs)
    return (vectorizer.transform(docs) @ vectorizer.transform([criteria]).T).toarray().ravel()


def metrics(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    top = np.argsort(-scores, kind="stable")[:10]
    return float(roc_auc_score(labels, scores)), float(labels[top].mean())


def main() -> None:
    shared, options = shared_dir(), bench_options()
    criteria = (shared / "data" / "criteria" / "seed-topics.md").read_text()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        app = scratch_app(Path(folder), embeddings=options.embeddings)
        with app.sessions() as session, session.begin():
            add_local_user(session, "seed", criteria=criteria, categories=["cs.LG", "cs.AI"])
        with vector_cache(app, options):
            ours, base = rank_days(app, shared, criteria)
        app.engine.dispose()
    o, b = np.array(ours), np.array(base)
    print(f"days: {len(ours)}, embeddings: {options.embeddings}, time: {time.perf_counter() - started:.1f} s")
    print(f"offline scorer: mean ROC AUC {o[:, 0].mean():.3f}, mean precision@10 {o[:, 1].mean():.3f}")
    print(f"plain TF-IDF cosine: mean ROC AUC {b[:, 0].mean():.3f}, mean precision@10 {b[:, 1].mean():.3f}")


def rank_days(
    app: App, shared: Path, criteria: str
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    ours, base = [], []
    for date, listing, selected in labelled_days(shared):
        day = dt.date.fromisoformat(date)
        app.ingestor.ingest_file(listing, day=day)
        with app.sessions() as session, session.begin():
            view = profiles.find(session, profiles.Identity("console", "seed"))
            digest = app.builder.build(session, view, day, ranked_all=True)
        n = len(digest.entries)
        # rank order → a score per paper (higher is better)
        ranked = {e.paper.id: n - i for i, e in enumerate(digest.entries)}
        records = read_records(listing)
        labels = np.array([r["id"] in selected for r in records])
        ours.append(metrics(np.array([ranked[r["id"]] for r in records], dtype=float), labels))
        base.append(metrics(tfidf_baseline(records, criteria), labels))
        print(
            f"{date}: {n} papers, {labels.sum()} selected, AUC {ours[-1][0]:.3f} "
            f"(tf-idf {base[-1][0]:.3f}), P@10 {ours[-1][1]:.2f} (tf-idf {base[-1][1]:.2f})"
        )
    return ours, base


if __name__ == "__main__":
    main()
