"""The domain of paperbot: ingest → score → digest → deliver, commands, and learning from 👍/👎.

`day.py` is the day as one procedure (ingest → score or batch → collect → fall back);
`ingest/`, `scoring/` (one door: ScoringService), `embeddings/`, `digest/`, `deliver/` and
`commands/` are its rooms. Settings and the composition root live at the edge, in `bot/`;
components here take plain parameters. Persistence goes through `storage/`'s query functions.
"""
