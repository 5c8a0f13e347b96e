"""`aura doctor` on the garment classifier: which one is in use, with its accuracy; none at
all is a warning with the command that makes one."""

from __future__ import annotations

from pathlib import Path

import pytest

from aura.config import load_settings
from aura.findings import Severity
from aura.layout import DataTree
from aura.vision import classifier
from aura.vision.checks import classifier_finding


def test_the_packaged_classifier_is_reported_with_its_accuracy(tmp_path: Path) -> None:
    found = classifier_finding(DataTree(load_settings(data_dir=tmp_path / "data")))
    assert found.severity == Severity.OK and "packaged" in found.message
    assert "accuracy" in found.message


def test_no_classifier_at_all_is_a_warning_with_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier, "PACKAGED_DIR", tmp_path / "not-installed")
    found = classifier_finding(DataTree(load_settings(data_dir=tmp_path / "data")))
    assert found.severity == Severity.WARNING
    assert "aura train garment-classifier" in found.fix and "no category" in found.message
