"""Sections of the diagnostic report: one module per part of the Trame, each a function of the diagnostic."""
