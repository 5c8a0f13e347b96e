"""Build DETR detectors locally with ``save_pretrained`` (no hub): for tests and benchmarks."""

from __future__ import annotations

import math
from pathlib import Path

LABELS = {0: "top", 1: "bottom", 2: "shoes"}
BOX = (0.5, 0.25, 0.5, 0.2)  # cx, cy, w, h (normalised) every query of the tiny model predicts
# softmax(2 for the winner, 0 for "no object", -10, -10)
SCORE = math.exp(2) / (math.exp(2) + 1 + 2 * math.exp(-10))


def build_tiny_detr(folder: Path, winner: int | None) -> Path:
    """A tiny DETR whose queries all say ``winner`` (None: all say "no object")."""
    import torch
    from transformers import DetrConfig, DetrForObjectDetection, DetrImageProcessor, ResNetConfig

    backbone = ResNetConfig(
        embedding_size=8,
        hidden_sizes=[8, 8, 16, 16],
        depths=[1, 1, 1, 1],
        layer_type="basic",
        out_features=["stage4"],
    )
    config = DetrConfig(
        use_timm_backbone=False,
        backbone_config=backbone,
        use_pretrained_backbone=False,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=16,
        decoder_ffn_dim=16,
        num_queries=8,
        id2label=LABELS,
        label2id={v: k for k, v in LABELS.items()},
    )
    torch.manual_seed(0)
    model = DetrForObjectDetection(config)
    with torch.no_grad():
        head = model.class_labels_classifier  # 3 labels + the "no object" logit
        head.weight.zero_()
        head.bias.fill_(-10.0)
        if winner is None:
            head.bias[-1] = 10.0
        else:
            head.bias[winner], head.bias[-1] = 2.0, 0.0
        last = model.bbox_predictor.layers[-1]
        last.weight.zero_()
        last.bias.copy_(torch.tensor([math.log(v / (1 - v)) for v in BOX]))  # sigmoid⁻¹
    model.save_pretrained(folder)
    DetrImageProcessor(size={"shortest_edge": 64, "longest_edge": 96}).save_pretrained(folder)
    return folder


def build_full_size_conditional_detr(folder: Path) -> Path:
    """Conditional-DETR with a ResNet-50 backbone and random weights: the architecture (and so
    the compute) of fashion detectors such as yainage90/fashion-object-detection, for timing."""
    import torch
    from transformers import (
        ConditionalDetrConfig,
        ConditionalDetrForObjectDetection,
        ConditionalDetrImageProcessor,
        ResNetConfig,
    )

    labels = {0: "bag", 1: "bottom", 2: "dress", 3: "hat", 4: "outer", 5: "shoes", 6: "top"}
    config = ConditionalDetrConfig(
        use_timm_backbone=False,
        backbone_config=ResNetConfig(out_features=["stage4"]),
        use_pretrained_backbone=False,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    torch.manual_seed(0)
    ConditionalDetrForObjectDetection(config).save_pretrained(folder)
    ConditionalDetrImageProcessor(
        size={"shortest_edge": 800, "longest_edge": 1333}
    ).save_pretrained(folder)
    return folder
