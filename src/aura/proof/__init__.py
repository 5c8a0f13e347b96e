"""Proofs of the platform's promises, as programs anyone can run: `aura verify-persistence`."""
