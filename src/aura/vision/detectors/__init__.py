"""Garment detection back-ends behind one interface (:class:`base.Detector`)."""
