"""`aura train ...`: the recipes for models Aura trains itself."""

from __future__ import annotations

from pathlib import Path

import typer

from aura.cli.context import settings_from
from aura.cli.output import console, print_json
from aura.layout import DataTree
from aura.services import Service
from aura.vision.recipe import TrainConfig

app = typer.Typer(no_args_is_help=True, help="Train Aura's own models.")


@app.command("assistant")
def assistant(
    ctx: typer.Context,
    data: Path = typer.Option(..., "--data", help="Chats as JSONL (OpenAI fine-tuning format)."),
    steps: int = typer.Option(60, "--steps", min=1, help="Optimizer steps (one chat each)."),
    learning_rate: float = typer.Option(2e-4, "--lr", help="AdamW learning rate."),
    lora_r: int = typer.Option(8, "--lora-r", min=1, help="LoRA rank."),
    max_length: int = typer.Option(512, "--max-length", min=16, help="Tokens per chat, at most."),
    qlora: bool | None = typer.Option(
        None, "--qlora/--no-qlora", help="4-bit base (CUDA only). Default: on exactly with CUDA."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """LoRA-fine-tune the assistant (SmolLM2) and write the adapter at FINETUNED_MODEL_PATH."""
    from aura.assistant.backends import _torch_device
    from aura.assistant.finetune import TrainSettings, read_chats, train_adapter
    from aura.assistant.hf_model import default_hf_model

    read_chats(data)  # bad data fails in a second, before minutes of model loading
    settings = settings_from(ctx)
    tree = DataTree(settings)
    base = default_hf_model(tree)
    target = tree.finetuned_model_dir()
    manifest = train_adapter(
        base,
        data,
        target,
        TrainSettings(
            steps=steps,
            learning_rate=learning_rate,
            lora_r=lora_r,
            max_length=max_length,
            qlora=qlora,
        ),
        device=_torch_device(settings.device),
    )
    if as_json:
        print_json(manifest)
        return
    m = manifest["metrics"]
    console.print(
        f"adapter written to {target} ({len(manifest['files'])} files; loss "
        f"{m['first_loss']:.3f} -> {m['last_loss']:.3f} in {m['seconds']} s). "
        "Restart with AURA_LLM_BACKEND=transformers to serve it.",
        highlight=False,
    )


RECIPE = TrainConfig()  # the options' defaults are the packaged model's recipe


@app.command("garment-classifier")
def garment_classifier(
    ctx: typer.Context,
    epochs: int = typer.Option(RECIPE.epochs, min=1, help="Passes over the training set."),
    finish_epochs: int = typer.Option(
        RECIPE.finish_epochs,
        min=0,
        help="Passes afterwards on clean pictures (flipped and shifted only), batch norm folded.",
    ),
    finish_learning_rate: float = typer.Option(
        RECIPE.finish_learning_rate, help="Peak learning rate of the finish (cosine schedule)."
    ),
    width: int = typer.Option(RECIPE.width, min=4, help="Channels of the first convolution block."),
    blocks: int = typer.Option(
        RECIPE.blocks, min=1, max=3, help="Convolution blocks (each halves the side)."
    ),
    precision: str = typer.Option(
        RECIPE.precision, help="bf16, fp32, or auto (bf16 where the CPU computes it natively)."
    ),
    members: int = typer.Option(
        RECIPE.members,
        min=1,
        max=8,
        help="Networks trained (seeds seed, seed+1, ...) and averaged.",
    ),
    batch_size: int = typer.Option(RECIPE.batch_size, min=8, help="Images per step."),
    learning_rate: float = typer.Option(
        RECIPE.learning_rate, help="Peak learning rate (one-cycle schedule)."
    ),
    seed: int = typer.Option(RECIPE.seed, help="Seed of initialisation and shuffling."),
    shapes_per_kind: int = typer.Option(
        RECIPE.shapes_per_kind,
        min=10,
        help="Drawn silhouettes per kind Fashion-MNIST lacks (skirt, ...).",
    ),
    output: Path | None = typer.Option(
        None,
        help="Write the artifact here instead of the data tree (the packaged model: "
        "src/aura/vision/models/garment-classifier).",
    ),
    limit_train: int | None = typer.Option(None, help="Use only the first N training images."),
    limit_test: int | None = typer.Option(None, help="Evaluate on the first N test images."),
    data_dir: Path | None = typer.Option(None, help="Default: AURA_FASHION_MNIST_DIR."),
    threads: int | None = typer.Option(None, help="Torch CPU threads (default: MAX_WORKERS)."),
    json_out: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """Train the garment category classifier (Fashion-MNIST and drawn silhouettes), report
    its test accuracy and publish it atomically; it replaces the packaged classifier on this
    installation. A killed run resumes from its last epoch when started again."""
    import torch

    from aura.vision.training import train_garment_classifier

    settings = settings_from(ctx)
    tree = DataTree(settings)
    torch.set_num_threads(threads or settings.max_workers)
    config = TrainConfig(
        epochs=epochs,
        finish_epochs=finish_epochs,
        finish_learning_rate=finish_learning_rate,
        width=width,
        blocks=blocks,
        precision=precision,
        members=members,
        batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        shapes_per_kind=shapes_per_kind,
        limit_train=limit_train,
        limit_test=limit_test,
    )
    target = output or tree.garment_classifier_dir()
    manifest = train_garment_classifier(
        data_dir or settings.fashion_mnist_dir,
        target,
        tree.training_dir(Service.VISUAL_ANALYSIS, "garment_classifier"),
        config,
        progress=lambda line: console.print(line, highlight=False),
    )
    if json_out:
        print_json(manifest)
        return
    console.print(
        f"Garment classifier written to {target}: test accuracy "
        f"{manifest['test_accuracy']:.4f} on {manifest['data']['test_images']} images.",
        highlight=False,
    )
