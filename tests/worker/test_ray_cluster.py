"""The bank on a Ray cluster of two nodes (on this machine, 127.0.0.1 only): the worker joins
it through RAY_ADDRESS, as README "Ray across machines" says, and its actors spread over both."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from uuid import uuid4

import pytest

from tests.system.workload import Request, Workload, check_invariants
from tests.worker.conftest import PROJECT_DIR, wait_until
from tests.worker.processes import alive, command_line, descendants_of

D = Decimal

# Run in a process of its own: a driver connected here would stay connected in this one.
# Ray's state API (ray.util.state) asks the dashboard, which the cluster runs without;
# the actor table is read from the GCS instead.
CLUSTER_STATE = """
import json, sys
import ray
ray.init(address=sys.argv[1], log_to_driver=False)
nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
actors = [
    {"class": a["ActorClassName"], "state": a["State"], "node": a["Address"]["NodeID"]}
    for a in ray._private.state.actors().values()
]
print(json.dumps({"nodes": nodes, "actors": actors}))
"""


def cluster_state(address):
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
    result = subprocess.run(
        [sys.executable, "-c", CLUSTER_STATE, address],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=PROJECT_DIR,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def ray_cluster(tmp_path):
    """A head node and a second node (infrastructure.raycluster); its address. Torn down at the
    end, and nothing of it may be left."""
    log = tmp_path / "cluster.log"
    processes = []
    with log.open("w") as out:
        cluster = subprocess.Popen(
            [sys.executable, "-m", "infrastructure.raycluster", "--port", str(free_port())],
            cwd=PROJECT_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(
            lambda: "RAY_ADDRESS=" in log.read_text() or cluster.poll() is not None,
            timeout=90,
            message="two Ray nodes up",
        )
        assert cluster.poll() is None, log.read_text()[-3000:]
        lines = log.read_text().splitlines()
        (address,) = [line.split("=", 1)[1] for line in lines if line.startswith("RAY_ADDRESS=")]
        processes = descendants_of(cluster.pid)
        yield address
    finally:
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=60)
        except subprocess.TimeoutExpired:
            cluster.kill()
            cluster.wait(timeout=10)
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = {pid: command_line(pid) for pid in processes if alive(pid)}
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == {}, "processes of the cluster left after it was stopped"


@pytest.mark.not_postgresql
def test_the_bank_runs_on_a_two_node_ray_cluster(bank, start_worker, ray_cluster, monkeypatch):
    started = time.monotonic()
    monkeypatch.setenv("RAY_ADDRESS", ray_cluster)
    worker = start_worker("--runner", "ray")

    workload = Workload()
    alice, bob = bank.commands.open_account("Alice"), bank.commands.open_account("Bob")
    workload.account_ids = [alice, bob]

    def submit(kind, saga_id, amount=None, debit=None, credit=None):
        workload.requests[saga_id] = Request(saga_id, kind, amount, debit, credit)
        return saga_id

    submit("open", alice)
    submit("open", bob)
    submit("deposit", bank.commands.deposit_funds(alice, "100.00"), D("100.00"), credit=alice)
    submit("deposit", bank.commands.deposit_funds(bob, "5.00"), D("5.00"), credit=bob)
    transfer = submit("transfer", bank.commands.transfer_funds(alice, bob, "30.00"), D("30.00"), alice, bob)
    nobody = uuid4()
    refund = bank.commands.transfer_funds(alice, nobody, "10.00")
    refunded = submit("transfer", refund, D("10.00"), alice, nobody)
    ended, final = check_invariants(bank.accounts, bank.sagas, workload)

    assert final[transfer].has_succeeded
    assert final[refunded].has_errored  # the credit failed: debited, then refunded
    assert ended[alice].balance == D("70.00") and ended[bob].balance == D("35.00")

    state = cluster_state(ray_cluster)
    assert len(state["nodes"]) == 2
    actors = [a for a in state["actors"] if a["class"] == "ApplicationActor" and a["state"] == "ALIVE"]
    assert len(actors) == 5, state["actors"]  # Commands, Sagas, Accounts and the two projections
    assert {a["node"] for a in actors} == set(state["nodes"]), "the actors are not on both nodes"

    assert worker.terminate(timeout=60) == 0, worker.logs()[-3000:]
    state = cluster_state(ray_cluster)
    assert [a for a in state["actors"] if a["state"] != "DEAD"] == [], "actors left on the cluster"
    assert time.monotonic() - started < 180
