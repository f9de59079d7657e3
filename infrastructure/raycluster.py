"""A Ray cluster of two nodes on this machine, on 127.0.0.1 only, for tests and benchmarks.

    python -m infrastructure.raycluster --port 6390

starts a head node (its GCS on 127.0.0.1:PORT) and a second node that joins it, prints
``RAY_ADDRESS=127.0.0.1:PORT`` once both are up, and runs until SIGTERM or Ctrl-C, then
stops both nodes. Its nodes end with it however it ends (SIGKILL included).

The nodes are those `ray start --head --node-ip-address=127.0.0.1 --port=PORT` and `ray
start --address=127.0.0.1:PORT --node-ip-address=127.0.0.1` would start (see README, "Ray
across machines"), started through Ray's own ray.cluster_utils.Cluster: on Linux Ray stays
on 127.0.0.1 only with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (see start_ray), and with that
setting `ray start --address` refuses to start a second node; with it unset, Ray replaces
127.0.0.1 in the address by the machine's network address.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

NODE_OPTIONS = {
    "node_ip_address": "127.0.0.1",
    "num_cpus": 4,  # logical: room for the bank's five actors on either node
    "object_store_memory": 100 * 1024 * 1024,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True, help="the head node's GCS port on 127.0.0.1")
    args = parser.parse_args()
    # Read by Ray when it is imported and when it starts its servers (see start_ray).
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    from ray.cluster_utils import Cluster

    from infrastructure.childprocess import end_with_this_process

    cluster = Cluster(
        initialize_head=True,
        head_node_args={**NODE_OPTIONS, "gcs_server_port": args.port, "include_dashboard": False},
    )
    try:
        second = cluster.add_node(**NODE_OPTIONS)
        cluster.wait_for_nodes()
        # Ray's agents would outlive this process by a minute if it were killed.
        end_with_this_process(
            [p.pid for node in (cluster.head_node, second) for _, p in node.live_processes()]
        )
        print(f"RAY_ADDRESS={cluster.address}", flush=True)
        stopping.wait()
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    sys.exit(main())
