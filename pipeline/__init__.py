"""Territorial diagnostic pipeline for CPTS (communautés professionnelles territoriales de santé)."""

__version__ = "0.1.0"
