"""Visual analysis: garment detection and attributes (plain Python, no HTTP).

Heavy modules (torch, transformers) are imported by the submodules that need them, so
importing this package is cheap.
"""
