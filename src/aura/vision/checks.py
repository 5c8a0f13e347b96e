"""`aura doctor` checks for visual analysis (cheap: no torch import, sizes not hashes)."""

from __future__ import annotations

import importlib.util

from aura.config import Settings
from aura.errors import ModelMissing
from aura.findings import Finding, Severity, ok, problem
from aura.layout import DataTree
from aura.vision.artifact import read_manifest, verify_artifact
from aura.vision.weights import locate_weights


def vision_findings(settings: Settings, tree: DataTree) -> list[Finding]:
    findings: list[Finding] = []
    try:
        findings.append(ok("vision backbone", f"EfficientNet-Lite0 weights at {locate_weights()}."))
    except ModelMissing as exc:
        findings.append(problem("vision backbone", exc.message, exc.fix or ""))
    target = tree.garment_classifier_dir()
    try:
        manifest = verify_artifact(target)
        findings.append(
            ok(
                "garment classifier",
                f"Garment classifier at {target}: test accuracy {manifest.get('test_accuracy')}, "
                f"trained {manifest.get('created_at')}.",
                str(target),
            )
        )
    except ModelMissing as exc:
        if read_manifest(target) is None:  # not trained yet: analysis works, minus categories
            findings.append(
                Finding(
                    "garment classifier",
                    Severity.INFO,
                    f"No garment classifier at {target} yet: analyses carry no category.",
                    "aura train garment-classifier",
                    str(target),
                )
            )
        else:  # trained, then damaged
            findings.append(problem("garment classifier", exc.message, exc.fix or "", str(target)))
    detr = settings.vision_detr_model_dir
    if settings.vision_backend == "detr" and (detr is None or not (detr / "config.json").is_file()):
        findings.append(
            problem(
                "vision backend",
                f"AURA_VISION_BACKEND=detr but no detector at {detr}.",
                "Set AURA_VISION_DETR_MODEL_DIR to a saved detector folder, or "
                "AURA_VISION_BACKEND=packaged.",
            )
        )
    person = importlib.util.find_spec("mediapipe") is not None
    findings.append(
        Finding(
            "person detection",
            Severity.INFO,
            "mediapipe is installed: the packaged back-end finds people."
            if person
            else "mediapipe is not installed: photos of people are analysed as whole photos "
            "(`make install` installs mediapipe==0.10.14).",
        )
    )
    return findings
