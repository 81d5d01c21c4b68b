"""Ingest: bring one announcement day into the database, live from arXiv or from a file."""
