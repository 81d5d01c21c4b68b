"""The domain of paperbot: ingest → score → digest, plus commands and feedback.

Its types live in `core.models` (one `Paper`, one `Profile`, `Identity`, `Vote`, `Usage`, and
the states and reasons as enums). Nothing here knows a chat platform, SQL or a table class:
adapters live in `bot/`, persistence in `storage/`, whose query functions the core calls with
the session it was handed (its type imported only under TYPE_CHECKING).
"""
