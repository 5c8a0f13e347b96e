"""`aura doctor`'s model checks: each model's state (fast check), and leftovers to collect."""

from __future__ import annotations

from aura.config import Settings
from aura.findings import Finding, Severity, ok, problem


def check_models(settings: Settings) -> list[Finding]:
    from aura.errors import AuraError
    from aura.storage.models.store import ModelStore, fix_for

    try:
        store = ModelStore(settings)
        specs = store.specs()
    except AuraError as exc:
        return [problem("models", exc.message, exc.fix or "Correct AURA_MODEL_OVERRIDES.")]
    from aura.storage.models import packaged

    auto_fetch = settings.auto_download and not settings.offline
    findings: list[Finding] = []
    for spec in specs:
        status = store.status(spec)
        subject = f"{spec.service.value}/{spec.name}"
        if status.ok:
            findings.append(ok("models", f"Model {spec.name} is in the store.", subject))
        elif status.state == "broken":
            findings.append(
                problem(
                    "models",
                    f"Model {spec.name} is damaged: {'; '.join(status.problems[:3])}.",
                    fix_for(status),
                    subject,
                )
            )
        elif spec.source == "packaged" and packaged.locate(spec) is not None:
            findings.append(  # start-up imports it (a local copy): nothing is wrong
                Finding(
                    "models",
                    Severity.INFO,
                    f"Model {spec.name} is imported from its package at the next start.",
                    f"`{spec.pull_command}` imports it now.",
                    subject,
                )
            )
        elif spec.required and spec.source == "hub" and auto_fetch:
            findings.append(
                problem(
                    "models",
                    f"Required model {spec.name} is downloaded at the next start "
                    "(AURA_AUTO_DOWNLOAD=1): start-up needs the hub once.",
                    f"`{spec.pull_command}` downloads it now.",
                    subject,
                    warning=True,
                )
            )
        elif spec.required:
            findings.append(
                problem(
                    "models",
                    f"Required model {spec.name} is not in the store.",
                    fix_for(status),
                    subject,
                )
            )
        else:
            findings.append(
                Finding(
                    "models",
                    Severity.INFO,
                    f"Optional model {spec.name} is not in the store ({spec.purpose}).",
                    fix_for(status),
                    subject,
                )
            )
    for service in settings.served_services:
        folder = store.tree.models_dir(service)
        leftovers = list(folder.glob("models--*/blobs/*.incomplete")) if folder.is_dir() else []
        if leftovers:
            findings.append(
                problem(
                    "models",
                    f"{len(leftovers)} interrupted download file(s) in {folder}.",
                    "Run `aura models gc` (or `aura models pull` to finish the download).",
                    str(folder),
                    warning=True,
                )
            )
    return findings
