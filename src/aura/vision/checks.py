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
    findings.append(classifier_finding(tree))
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


def classifier_finding(tree: DataTree) -> Finding:
    """The garment classifier in use: this installation's trained one, else the packaged
    one Aura ships; its accuracy; a warning with the command when neither is usable."""
    from aura.vision.classifier import PACKAGED_DIR

    target = tree.garment_classifier_dir()
    check = "garment classifier"
    if read_manifest(target) is not None:
        try:
            manifest = verify_artifact(target)
        except ModelMissing as exc:  # trained, then damaged
            return problem(check, exc.message, exc.fix or "", str(target))
        return ok(
            check,
            f"In use: the garment classifier trained here ({target}): Fashion-MNIST test "
            f"accuracy {manifest.get('test_accuracy')}, trained {manifest.get('created_at')}.",
            str(target),
        )
    try:
        manifest = verify_artifact(PACKAGED_DIR)
    except ModelMissing as exc:
        return Finding(
            check,
            Severity.WARNING,
            f"No garment classifier: the packaged one is missing or damaged ({exc.message}), "
            "and none was trained here, so analyses carry no category.",
            "aura train garment-classifier (or reinstall Aura: `make install`)",
            str(target),
        )
    return ok(
        check,
        f"In use: Aura's packaged garment classifier ({len(manifest.get('classes', []))} "
        f"classes): Fashion-MNIST test accuracy {manifest.get('test_accuracy')}, drawn "
        f"silhouettes {manifest.get('drawn_test_accuracy')}. `aura train garment-classifier` "
        "replaces it on this installation.",
        str(PACKAGED_DIR),
    )
