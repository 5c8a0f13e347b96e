"""EfficientNet-Lite0 in torch: the network the ONNX export is made from, and training's.

Lite variants differ from EfficientNet-B0: no squeeze-excitation, ReLU6 instead of swish,
and TensorFlow "same" padding (asymmetric for stride 2). The module loads the packaged
state dict (lukemelas ``efficientnet_pytorch`` key layout) strictly. Serving never imports
this: it runs the export (:mod:`aura.vision.effnet`, :mod:`aura.vision.effnet_export`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from aura.vision.effnet import BN_EPS, BN_MOMENTUM, EMBEDDING_DIM, STAGES, BackboneOutput
from aura.vision.effnet import preprocess_array as _preprocess_array
from aura.vision.weights import locate_weights


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


def load_model(weights: Path) -> EfficientNetLite0:
    """The network with the packaged ImageNet weights, in eval mode."""
    model = EfficientNetLite0()
    state = torch.load(weights, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


class TorchBackbone:
    """The torch reference of :class:`aura.vision.effnet.Backbone` (same outputs)."""

    def __init__(self, weights: Path | None = None, device: str = "cpu") -> None:
        self.weights = weights or locate_weights()
        self.device = torch.device(device)
        self.model = load_model(self.weights).to(self.device)

    @staticmethod
    def preprocess(images: list[Image.Image]) -> torch.Tensor:
        return torch.from_numpy(_preprocess_array(images))

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
