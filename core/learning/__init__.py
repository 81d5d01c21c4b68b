"""How thumbs change the ranking: votes and ratings, the per-user model, explanations.

`votes` is what a 👍/👎 is; `ratings` records one on a stored paper; `model` trains a
user's taste from their ratings (TF-IDF, plus embeddings when configured); `learner` is
what the digest builder is given by the composition root: the adjustment of a day's
papers for one user; `explain` words why a paper was ranked up.
"""
