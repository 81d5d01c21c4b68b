"""The domain of paperbot: ingest → score → digest → deliver, commands, and learning from 👍/👎.

`day.py` is the day as one procedure (ingest → score or batch → collect → fall back);
`ingest/`, `scoring/` (one door: ScoringService), `embeddings/`, `digest/`, `deliver/` and
`commands/` are its rooms. Settings and the composition root live at the edge, in `bot/`;
components here take plain parameters. Its types live in `core.models` (one `Paper`, one
`Profile`, `Identity`, `Vote`, `Usage`, states and reasons as enums). Nothing here knows a chat
platform, SQL or a table class: persistence goes through `storage/`'s query functions, called
with the session the core was handed (its type imported only under TYPE_CHECKING).
"""
