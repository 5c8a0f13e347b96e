"""Outfit recommendation: the OutfitTransformer, Polyvore-format data, training, evaluation,
inference, and the rule-based scorer that serves until a trained model exists.

Plain Python, no HTTP: ``aura.api`` composes it.
"""
