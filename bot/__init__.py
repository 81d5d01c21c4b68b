"""Driving adapters: each translates a platform's events into core commands and core digests
into the platform's messages, nothing more."""
