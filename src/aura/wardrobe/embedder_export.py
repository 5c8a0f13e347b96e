"""all-MiniLM-L6-v2 exported to ONNX once, verified against the torch model (imports torch).

    python -m aura.wardrobe.embedder_export SOURCE_FOLDER OUT_FOLDER

SOURCE_FOLDER is the sentence-transformers folder in the model store. OUT_FOLDER receives
``model.onnx`` (BERT, mean pooling and L2 normalisation in one graph: the output is the
sentence embedding), the tokenizer and its settings, and last ``verification.json``: the
embeddings of fixed sentences through the serving path (:class:`OnnxSentenceEncoder`)
against ``SentenceTransformer.encode``. It exits 1 (and the export is not kept) when they
differ by more than the tolerance. The serving process runs this in a child process
(:func:`aura.storage.models.onnx.run_exporter`), never in its own.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from aura.storage.models.onnx import MODEL_FILE, verification, write_verification
from aura.wardrobe.embedder import COPIED_FILES, OnnxSentenceEncoder

ATOL = 1e-4  # fp32 export: the graph is the same computation, only kernels differ
MIN_COSINE = 0.9999
OPSET = 17
FIXED_SENTENCES = (
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "navy striped shirt. linen, slim fit",
    "black leather ankle boots",
    "red floral summer dress. cotton, relaxed",
    "grey wool coat for winter",
    "white sneakers",
    "What should I wear to a formal dinner when it rains?",
    "beige chinos",
    "a",
    "checked scarf. warm, vintage " * 30,  # longer than the 256-token limit: truncated
    "Ünïcödé jacket — très chic 🧥",
)


def export(source: Path, out: Path) -> int:
    import torch
    from sentence_transformers import SentenceTransformer
    from torch import nn

    torch.manual_seed(0)
    model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    bert = model[0].auto_model.eval()

    class Pooled(nn.Module):
        """BERT, then mean pooling over real tokens, then L2 normalisation."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return nn.functional.normalize(pooled, p=2.0, dim=1)

    for name in COPIED_FILES:
        shutil.copyfile(source / name, out / name)
    sample = model.tokenizer(list(FIXED_SENTENCES[:3]), padding=True, return_tensors="pt")
    inputs = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode():
        torch.onnx.export(
            Pooled().eval(),
            inputs,
            str(out / MODEL_FILE),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "sentence_embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
        reference = model.encode(
            list(FIXED_SENTENCES), normalize_embeddings=True, convert_to_numpy=True
        )
    candidate = OnnxSentenceEncoder(out, threads=1).encode(list(FIXED_SENTENCES))
    record = verification(reference, candidate, atol=ATOL, min_cosine=MIN_COSINE)
    record.update(runtime="onnxruntime", opset=OPSET, torch=torch.__version__)
    return write_verification(out, record)


if __name__ == "__main__":
    sys.exit(export(Path(sys.argv[1]), Path(sys.argv[2])))
