"""Digests: choose a profile's papers of a day and render them for people and programs."""
