"""Persistence: SQLModel tables, the engine, migrations and queries.

The only package that knows SQL; the core talks to it through the query functions.
"""
