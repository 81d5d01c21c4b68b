"""Deliver: who is due when, and sending each digest exactly once."""
