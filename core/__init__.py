"""The domain of paperbot: ingest → score → digest, plus commands and learning from 👍/👎.

Nothing here knows about a chat platform or SQL dialect details; adapters live in
`bot/`, persistence in `storage/`.
"""
