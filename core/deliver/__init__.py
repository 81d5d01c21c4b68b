"""Deliver: who is due when (due.py: time zones, DST, the day's first delivery), and sending
each digest exactly once (worker.py)."""
