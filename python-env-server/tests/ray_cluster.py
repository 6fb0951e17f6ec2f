"""A 3-node Ray test cluster with a gymbridge-server on it, driven over stdin/stdout (test_ray_cluster.py).

Run inside a loopback-only network namespace (raynet.netns_prefix): ``python ray_cluster.py SOCKET LOG``.
It starts ``ray.cluster_utils.Cluster`` (a head and two worker nodes, 3 logical CPUs each), then the
server with ``--ray-address`` the cluster's and ``--unix SOCKET``, prints the server's READY line, and
answers one line ``ANSWER <json>`` per command (Ray may print other lines to stdout too):

- ``nodes``: {"head": node id, "workers": [node ids]}
- ``actors``: the node id of every live EnvSlice actor
- ``kill-node ID``: kills that worker node's raylet and processes (not gracefully)
- ``quit``: stops the server (SIGTERM), then the cluster; answers {"server_exit": code}
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

CPUS_PER_NODE = 3


def main() -> None:
    sock, log = sys.argv[1], sys.argv[2]
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": CPUS_PER_NODE, "include_dashboard": False})
    workers = [cluster.add_node(num_cpus=CPUS_PER_NODE) for _ in range(2)]
    cluster.wait_for_nodes()
    exe = Path(sys.executable).with_name("gymbridge-server")
    with open(log, "wb") as err:
        server = subprocess.Popen(
            [str(exe), "--unix", sock, "--ray-address", cluster.address, "--log-level", "warning"],
            stdout=subprocess.PIPE, stderr=err, text=True,
        )
        try:
            print(server.stdout.readline().strip(), flush=True)
            ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
            for line in sys.stdin:
                cmd, _, arg = line.strip().partition(" ")
                if cmd == "nodes":
                    answer: object = {"head": cluster.head_node.node_id, "workers": [w.node_id for w in workers]}
                elif cmd == "actors":
                    answer = [
                        a["Address"]["NodeID"] for a in ray._private.state.actors().values()
                        if a["State"] == "ALIVE" and a["ActorClassName"] == "EnvSlice"
                    ]
                elif cmd == "kill-node":
                    node = next(w for w in workers if w.node_id == arg)
                    cluster.remove_node(node, allow_graceful=False)
                    workers.remove(node)
                    answer = "ok"
                elif cmd == "quit":
                    server.send_signal(signal.SIGTERM)
                    answer = {"server_exit": server.wait(60)}
                    print("ANSWER", json.dumps(answer), flush=True)
                    break
                else:
                    answer = f"unknown command {cmd!r}"
                print("ANSWER", json.dumps(answer), flush=True)
        finally:
            if server.poll() is None:
                server.kill()
            ray.shutdown()
            cluster.shutdown()


if __name__ == "__main__":
    main()
