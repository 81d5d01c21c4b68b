"""Persistence: SQLModel tables, the engine, migrations and queries.

The only package that knows SQL, SQLAlchemy/SQLModel and the table classes. Query functions
take a `Session` (one per transaction, opened by the caller) and take and return the core's
types from `core.models` (`Paper`, `Profile`, `Identity`, `Claim`, …); table rows stay here.
`tests/test_layering.py` checks that storage imports nothing from the core but its models and
errors.
"""
