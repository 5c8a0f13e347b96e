"""The outfit service at start-up and in `aura doctor`: which scorer serves, and why.

Kept free of torch: with no trained model the rule scorer serves and torch is never
imported, so a fresh install starts fast.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aura.errors import ModelMissing
from aura.findings import Finding, Severity, ok, problem
from aura.outfits.artifact import MANIFEST, read_manifest
from aura.outfits.rules import RulesScorer
from aura.outfits.scorer import OutfitScorer

log = logging.getLogger("aura.outfits")
TRAIN_HINT = "aura train outfits --data PATH"


def load_serving_scorer(directory: Path) -> OutfitScorer:
    """The trained model in ``directory`` if complete, else the rule scorer (logged)."""
    if not (directory / MANIFEST).exists():
        log.info("no trained outfit model: the rule scorer serves", extra={"path": str(directory)})
        return RulesScorer()
    try:
        from aura.outfits.inference import OutfitInference

        return OutfitInference.load(directory)
    except ModelMissing as exc:
        log.warning(
            "outfit model unusable, the rule scorer serves",
            extra={"reason": exc.message, "fix": exc.fix},
        )
        return RulesScorer()


def check_outfit_model(directory: Path) -> Finding:
    subject = str(directory)
    if not (directory / MANIFEST).exists():
        return Finding(
            "outfit model",
            Severity.INFO,
            f"No trained outfit model in {directory}: the rule scorer serves.",
            f"Train one: `{TRAIN_HINT}`.",
            subject,
        )
    try:
        manifest = read_manifest(directory)
    except ModelMissing as exc:
        return problem("outfit model", exc.message, exc.fix or TRAIN_HINT, subject, warning=True)
    test = manifest.get("evaluation", {}).get("test", {})
    return ok(
        "outfit model",
        f"Outfit model in {directory} (created {manifest.get('created_at')}, test AUC "
        f"{test.get('compatibility_auc')}, FITB {test.get('fitb_accuracy')} %).",
        subject,
    )
