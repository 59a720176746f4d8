"""Sections of a territory diagnostic: each reads the store's queries and calls the pure analysis."""
