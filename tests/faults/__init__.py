"""The fault suite beyond the platform table in tests/test_faults.py: one table per source of
faults (upstream services, hostile input, concurrency, kills), each row checked against the
same invariant (tests/faults/check.py)."""
