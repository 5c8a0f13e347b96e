"""Aura: a self-hosted fashion AI platform whose state survives everything."""

__version__ = "0.1.0"
