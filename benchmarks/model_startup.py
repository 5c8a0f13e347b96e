"""Cold against warm start of each service's model set, measured in the same run.

Cold: an empty model store; `aura serve --service S` with AURA_AUTO_DOWNLOAD=1 downloads the
hub models from a local fake hub (127.0.0.1, so the network is as fast as it gets: a real
hub only widens the gap) and imports the packaged models. Warm: the same command again on
the populated store. Prints the seconds of the "model resolve" phase and of the whole start
(process launch to /health/ready 200) for both, and their ratios.

    python benchmarks/model_startup.py [--detector-mb 160] [--repeat 3] [--hub-mbps 20]

Each figure is the median of --repeat cold/warm pairs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from safetensors.numpy import save  # noqa: E402
from tests.fakehub import FakeHub  # noqa: E402
from tests.server import AuraServer, run_aura  # noqa: E402

SERVICES = ("visual_analysis", "conversational_ai", "outfit_recommendation")


def detector_files(megabytes: int) -> dict[str, bytes]:
    """A DETR-sized stand-in for the hub detector (yainage90's is about 166 MB)."""
    rng = np.random.default_rng(0)
    n = megabytes * 1024 * 1024 // 4
    weights = {"model.weight": rng.standard_normal(n, dtype=np.float32)}
    return {
        "config.json": json.dumps({"model_type": "detr", "num_labels": 7}).encode(),
        "preprocessor_config.json": b'{"size": {"shortest_edge": 800}}',
        "model.safetensors": save(weights),
    }


def start(data_dir: Path, env: dict[str, str], service: str) -> tuple[float, float]:
    began = time.perf_counter()
    with AuraServer(data_dir, env=env, args=("--service", service)) as server:
        ready = server.wait_ready(timeout=600).json()
        total = time.perf_counter() - began
    phase = {p["name"]: p["seconds"] for p in ready["phases"]}["model resolve"]
    return phase, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector-mb", type=int, default=160)
    parser.add_argument("--repeat", type=int, default=3, help="cold/warm pairs per service")
    parser.add_argument(
        "--hub-mbps", type=float, default=0, help="throttle the hub (MB/s); 0: loopback speed"
    )
    args = parser.parse_args()

    hub = FakeHub().start()
    hub.rate = int(args.hub_mbps * 1024 * 1024)
    repo = hub.add("aura-bench/fashion-detector", detector_files(args.detector_mb))
    overrides = {
        "fashion-detector": {
            "repo_id": "aura-bench/fashion-detector",
            "revision": repo.commit,
            "required": True,
        },
    }
    rows = []
    try:
        for service in SERVICES:
            for _ in range(args.repeat):
                work = Path(tempfile.mkdtemp(prefix="aura-bench-models-"))
                data_dir = work / "data"
                env = {
                    "AURA_DATA_DIR": str(data_dir),
                    "AURA_AUTO_DOWNLOAD": "1",
                    "HF_ENDPOINT": hub.url,
                    "AURA_MODEL_OVERRIDES": json.dumps(overrides),
                    "LOG_LEVEL": "WARNING",
                }
                assert run_aura("setup", env=env).returncode == 0
                hub.reset_stats()
                cold = start(data_dir, env, service)
                cold_bytes = hub.stats.body_bytes
                stored = sum(
                    f.stat().st_size for f in data_dir.glob(f"{service}/models/models--*/blobs/*")
                )
                hub.reset_stats()
                warm = start(data_dir, env, service)
                assert hub.stats.total == 0, "a warm start must not touch the hub"
                rows.append((service, cold, warm, cold_bytes, stored))
                shutil.rmtree(work, ignore_errors=True)
    finally:
        hub.stop()

    speed = f"{args.hub_mbps:g} MB/s" if args.hub_mbps else "loopback speed"
    print(
        f"model_startup: cold (empty store) vs warm (populated store); detector "
        f"{args.detector_mb} MB from a local hub at {speed}; packaged models imported from wheels"
    )
    header = (
        f"{'service':<23}{'hub MB':>7}{'store MB':>9}{'resolve cold':>13}{'warm':>8}"
        f"{'ratio':>7}{'start cold':>11}{'warm':>7}{'ratio':>7}"
    )
    print(header)
    for service in SERVICES:  # the median of the repeats, each pair measured back to back
        mine = [r for r in rows if r[0] == service]
        rc, tc = (statistics.median(r[1][i] for r in mine) for i in (0, 1))
        rw, tw = (statistics.median(r[2][i] for r in mine) for i in (0, 1))
        nbytes, stored = mine[0][3], mine[0][4]
        print(
            f"{service:<23}{nbytes / 2**20:>7.1f}{stored / 2**20:>9.1f}{rc:>12.3f}s{rw:>7.3f}s"
            f"{rc / max(rw, 1e-4):>6.1f}x{tc:>10.2f}s{tw:>6.2f}s{tc / tw:>6.1f}x"
        )


if __name__ == "__main__":
    main()
