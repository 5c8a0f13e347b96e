"""Several silhouette classifiers as one ONNX graph: the mean of their probabilities on the
picture and on its mirror image (a garment and its mirror image are the same kind).

One rule: each member's weights are stored once; its nodes run twice, on the picture and
on the mirrored picture, sharing them. Input ``silhouette`` (n, 1, 28, 28) and output
``probabilities`` (n, classes), as one member's export (:func:`aura.vision.training.export_onnx`),
so the served classifier does not know whether it runs one network or several. Torch-free.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

INPUT = "silhouette"
OUTPUT = "probabilities"
WIDTH_AXIS = 3


def _mirror_inputs() -> list[onnx.TensorProto]:
    """Slice(starts=-1, ends=-inf, axes=width, steps=-1): the picture read right to left."""
    values = {
        "mirror/starts": [-1],
        "mirror/ends": [np.iinfo(np.int64).min],
        "mirror/axes": [WIDTH_AXIS],
        "mirror/steps": [-1],
    }
    return [numpy_helper.from_array(np.array(v, np.int64), name) for name, v in values.items()]


class _Names:
    """A member's tensor names in the composed graph: its input is the (mirrored) picture,
    its weights are shared by both views, every other tensor is the view's own."""

    def __init__(
        self, member: str, view: str, source: str, picture: str, weights: set[str]
    ) -> None:
        self.member, self.view, self.source, self.picture = member, view, source, picture
        self.weights = weights

    def of(self, name: str) -> str:
        if not name:
            return name  # an omitted optional input
        if name == self.source:
            return self.picture
        if name in self.weights:
            return f"{self.member}/{name}"
        return f"{self.member}/{self.view}/{name}"


def compose(members: list[bytes]) -> bytes:
    """One ONNX model averaging ``members`` (each an exported classifier) on the picture
    and its mirror image; checked by ONNX's checker."""
    if not members:
        raise ValueError("an ensemble needs at least one member")
    models = [onnx.load_from_string(blob) for blob in members]
    initializers = _mirror_inputs()
    nodes = [helper.make_node("Slice", [INPUT, *(t.name for t in initializers)], ["mirrored"])]
    outputs: list[str] = []
    for k, model in enumerate(models):
        graph = model.graph
        weights = {t.name for t in graph.initializer}
        [source] = [i.name for i in graph.input if i.name not in weights]
        [result] = [o.name for o in graph.output]
        for tensor in graph.initializer:
            shared = onnx.TensorProto()
            shared.CopyFrom(tensor)
            shared.name = f"m{k}/{tensor.name}"
            initializers.append(shared)
        for view, picture in (("plain", INPUT), ("mirror", "mirrored")):
            names = _Names(f"m{k}", view, source, picture, weights)
            for i, node in enumerate(graph.node):
                copy = onnx.NodeProto()
                copy.CopyFrom(node)
                copy.name = f"m{k}/{view}/{node.name or i}"
                copy.input[:] = [names.of(x) for x in node.input]
                copy.output[:] = [names.of(x) for x in node.output]
                nodes.append(copy)
            outputs.append(names.of(result))
    nodes.append(helper.make_node("Mean", outputs, [OUTPUT]))
    first = models[0].graph
    [picture_info] = [i for i in first.input if i.name == INPUT]
    graph = helper.make_graph(
        nodes,
        f"garment-classifier-{len(models)}x2",
        [picture_info],
        [first.output[0]],
        initializers,
    )
    composed = helper.make_model(
        graph, opset_imports=list(models[0].opset_import), ir_version=models[0].ir_version
    )
    onnx.checker.check_model(composed)
    return composed.SerializeToString()
