"""How a benchmark run starts the worker: its layouts, and a Ray cluster for one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


# How the worker runs the four follower applications. "split" (the default) is two
# runsystem processes: one runs the pipeline (Sagas and Accounts, which prompt each
# other in-process), the other the read-model projections; each uses both threads of
# one process, so the pair uses both cores with least overhead. The others are one
# runsystem process with that runner.
LAYOUTS = {
    "split": [["--apps", "Sagas,Accounts"], ["--apps", "AccountsProjection,SagasProjection"]],
    "threads": [["--runner", "threads"]],
    "processes": [["--runner", "processes"]],
    "ray": [["--runner", "ray"]],
    # The Ray runner joined (RAY_ADDRESS) to a Ray cluster of two nodes on this machine.
    "ray-cluster": [["--runner", "ray"]],
}


def start_ray_cluster() -> tuple[subprocess.Popen, str]:
    """infrastructure.raycluster (a head node and a second node, on 127.0.0.1), and its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cluster = subprocess.Popen(
        [sys.executable, "-m", "infrastructure.raycluster", "--port", str(port)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in cluster.stdout:
        if line.startswith("RAY_ADDRESS="):
            return cluster, line.strip().split("=", 1)[1]
    raise RuntimeError(f"the Ray cluster did not start (exit code {cluster.wait()})")


def start_workers(layout: str, ray_address: str | None = None) -> list[subprocess.Popen]:
    return start_runsystems(LAYOUTS[layout], ray_address)


def start_runsystems(arguments: list[list[str]], ray_address: str | None = None) -> list[subprocess.Popen]:
    """One runsystem process for each list of arguments."""
    env = {**os.environ, "BANK_LOG_LEVEL": "WARNING"}
    if ray_address:
        env["RAY_ADDRESS"] = ray_address
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "runsystem", *args, "--poll-interval", "0.05"],
            cwd=PROJECT_DIR,
            env=env,
        )
        for args in arguments
    ]
