"""`aura train outfits` and `aura outfits {evaluate,synthesize}`: the outfit model's commands.

torch is imported inside the commands, so the rest of the CLI stays quick to start.
"""

from __future__ import annotations

from pathlib import Path

import typer

from aura.cli.context import settings_from
from aura.cli.output import console, err_console, print_json
from aura.cli.train import app as train_app  # the one `aura train` group
from aura.layout import DataTree

app = typer.Typer(no_args_is_help=True, help="The outfit model: evaluate, generate test data.")


@train_app.command("outfits")
def train_outfits(
    ctx: typer.Context,
    data: Path = typer.Option(..., "--data", help="Polyvore Outfits folder."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Run folder (checkpoints/, features/, model/). Default: the "
        "outfit_recommendation models folder's outfit_transformer/.",
    ),
    epochs: int = typer.Option(10, "--epochs", min=1),
    batch_size: int = typer.Option(32, "--batch-size", min=2),
    lr: float = typer.Option(1e-3, "--lr"),
    seed: int = typer.Option(0, "--seed"),
    hard_from: int = typer.Option(
        3, "--hard-negatives-from", help="Epochs of random negatives first."
    ),
    version: str = typer.Option("nondisjoint", "--version", help="nondisjoint or disjoint."),
    features: str = typer.Option("handcrafted", "--features", help="handcrafted or effnet-lite0."),
    paper_size: bool = typer.Option(False, "--paper-size", help="6 layers, 16 heads, 128-d."),
    threads: int = typer.Option(1, "--threads", help="torch threads; 0 = all cores."),
    checkpoint_every: int = typer.Option(50, "--checkpoint-every", min=1),
    json_out: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """Train the OutfitTransformer; rerun the same command to resume after an interruption."""
    from aura.outfits.train import TrainConfig, train

    run = out or DataTree(settings_from(ctx)).outfit_model_dir()
    sizes = {"d_model": 128, "n_layers": 6, "n_heads": 16, "ff_dim": 512} if paper_size else {}
    cfg = TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        hard_negatives_from=hard_from,
        version=version,
        features=features,
        model=sizes,
        threads=threads,
        checkpoint_every=checkpoint_every,
    )
    manifest = train(data, run, cfg, progress=lambda m: err_console.print(m, highlight=False))
    if json_out:
        print_json(manifest)
    else:
        console.print(f"model written to {run / 'model'}")
        console.print(manifest["evaluation"], highlight=False)


@app.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Option(..., "--data", help="Polyvore Outfits folder."),
    model: Path = typer.Option(..., "--model", help="A model folder (RUN/model)."),
    split: str = typer.Option("test", "--split", help="train, valid or test."),
    version: str = typer.Option("nondisjoint", "--version"),
    threads: int = typer.Option(1, "--threads", help="torch threads; 0 = all cores."),
) -> None:
    """Compatibility AUC, FITB accuracy and recall@k of a trained model, as JSON."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    from aura.outfits.artifact import load_model_artifact
    from aura.outfits.evaluate import evaluate
    from aura.outfits.polyvore import PolyvoreDataset
    from aura.outfits.train import FEATURES_DIR, load_table

    net, config, _ = load_model_artifact(model, verify_hashes=True)
    dataset = PolyvoreDataset(data, version)
    chosen = dataset.load_split(split)
    table = load_table(
        dataset,
        [chosen],
        config["feature_extractor"],
        model.absolute().parent / FEATURES_DIR,
        config["category_names"],
    )
    print_json({"split": split, "version": version, **evaluate(net, table, chosen)})


@app.command("synthesize")
def synthesize(
    out: Path = typer.Argument(..., help="Folder to write the data set into."),
    items: int = typer.Option(600, "--items", min=50),
    outfits: int = typer.Option(400, "--train-outfits", min=10),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Generate a small Polyvore-format data set whose compatibility follows hidden rules."""
    from aura.outfits.synthetic import generate

    generate(
        out,
        n_items=items,
        n_outfits=(outfits, max(outfits // 4, 20), max(outfits // 3, 30)),
        seed=seed,
    )
    console.print(f"synthetic Polyvore data written to {out}")
