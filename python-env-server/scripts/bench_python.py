"""The Python half of ``bin/gymbridge bench`` (run with the server venv's python).

Two jobs, both driven by the Java benchmark in the same run:

``inprocess SPEC.json OUT_DIR``
    For every case in SPEC ({"cases": [{"name", "env", "num_envs", "seed", "steps", "budget_s",
    "repeats"}]}), samples the random actions both sides use (action_space seeded with the case
    seed), writes them as raw little-endian bytes to OUT_DIR/<name>.actions, and measures
    in-process Gymnasium ``SyncVectorEnv`` (``gymnasium.make_vec(..., vectorization_mode="sync")``,
    Gymnasium's defaults otherwise): a check pass (reset(seed), all steps, reward checksum) and
    ``repeats`` timed passes (reset(seed) outside the timing, then the steps). ``steps`` 0 picks
    the number of steps so that one pass through the bridge takes about ``budget_s``. Writes one
    tab-separated line per case to OUT_DIR/inprocess.tsv (see ``_FIELDS``).

``inprocess-serve OUT_DIR``
    The same, one case at a time: a JSON case per stdin line, its TSV line on stdout (what
    ``bin/gymbridge bench`` uses, so each case is measured in-process right next to its bridge rows).

``echo``
    A plain socket echo server for the floor: TCP on 127.0.0.1 (free port) and a unix socket at
    ``--unix PATH``; prints ``ECHO_READY <port> <unix path>`` and serves until stdin closes. Each
    request is ``u32 length, u32 reply_length, payload[length]`` (little-endian); the answer is
    ``u32 reply_length, u32 0, reply_length bytes`` -- the same framing and sizes as a batched step,
    with no protobuf or env work.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import sys
import threading
import time
from pathlib import Path

import numpy as np

_FIELDS = ("name", "env", "num_envs", "seed", "steps", "dtype", "shape", "best_s", "all_s", "checksum", "dones", "cpu_s")
# A rough per-step cost of the bridge, used only to size "steps" so one bridge pass takes ~budget_s.
_BRIDGE_GUESS_S = 300e-6


def _setup() -> None:
    from gymbridge_server import register_envs
    from gymbridge_server.adapters.gymnasium import route_mujoco_warnings

    register_envs()  # the gymbridge/ envs, e.g. NoOp-v0
    route_mujoco_warnings()


def _measure(case: dict, out: Path) -> str:
    """One case in-process: sample (and write) the actions, check pass, timed passes; its TSV line."""
    import gymnasium as gym

    seed = int(case["seed"])
    steps = int(case.get("steps") or 0)
    if steps <= 0:
        # Sized on a throwaway copy: the check pass below must be the first seeded episode of its env, as
        # it is for the bridge's fresh session (Crafter's reset(seed) depends on what ran before it).
        probe_env = gym.make_vec(case["env"], num_envs=case["num_envs"], vectorization_mode="sync")
        probe_env.action_space.seed(seed)
        probe_env.reset(seed=seed)
        probe = [probe_env.action_space.sample() for _ in range(10)]
        t0 = time.perf_counter()
        for a in probe:
            probe_env.step(a)
        per_step = (time.perf_counter() - t0) / len(probe)
        probe_env.close()
        steps = int(case["budget_s"] / (per_step + _BRIDGE_GUESS_S))
        steps = max(int(case.get("min_steps", 20)), min(steps, int(case.get("max_steps", 5000))))
    env = gym.make_vec(case["env"], num_envs=case["num_envs"], vectorization_mode="sync")
    env.action_space.seed(seed)
    actions = np.stack([np.asarray(env.action_space.sample()) for _ in range(steps)])
    actions = actions.astype(actions.dtype.newbyteorder("<"), copy=False)
    (out / f"{case['name']}.actions").write_bytes(np.ascontiguousarray(actions).tobytes())
    # Check pass (and warm-up): the checksum the Java side must reproduce exactly through the bridge.
    env.reset(seed=seed)
    checksum = 0.0
    dones = 0
    for a in actions:
        _, r, term, trunc, _ = env.step(a)
        for x in r.tolist():
            checksum += x
        dones += int(np.count_nonzero(term | trunc))
    times = []
    cpu = []
    for _ in range(int(case.get("repeats", 1))):
        env.reset(seed=seed)
        c0 = time.process_time()
        t0 = time.perf_counter()
        for a in actions:
            env.step(a)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    env.close()
    row = (
        case["name"], case["env"], case["num_envs"], seed, steps, actions.dtype.name,
        ",".join(str(d) for d in actions.shape[1:]), min(times), ",".join(f"{t:.6f}" for t in times),
        checksum.hex(), dones, min(cpu),
    )
    print(f"in-process {case['env']} x{case['num_envs']}: {steps} steps, "
          f"{steps * case['num_envs'] / min(times):.0f} env-steps/s", file=sys.stderr, flush=True)
    return "\t".join(str(x) for x in row)


def _inprocess(spec_path: str, out_dir: str) -> None:
    _setup()
    spec = json.loads(Path(spec_path).read_text())
    out = Path(out_dir)
    lines = [_measure(case, out) for case in spec["cases"]]
    (out / "inprocess.tsv").write_text("\t".join(_FIELDS) + "\n" + "\n".join(lines) + "\n")


def _inprocess_serve(out_dir: str) -> None:
    """One JSON case per stdin line -> one TSV line on stdout, so the Java side can measure each case
    in-process right next to its bridge rows (a shared machine's load drifts over minutes)."""
    _setup()
    out = Path(out_dir)
    print("INPROCESS_READY", flush=True)
    for line in sys.stdin:
        if line.strip():
            print(_measure(json.loads(line), out), flush=True)


def _recv_exact(conn: socket.socket, view: memoryview, n: int) -> bool:
    got = 0
    while got < n:
        k = conn.recv_into(view[got:n])
        if k == 0:
            return False
        got += k
    return True


def _echo_conn(conn: socket.socket) -> None:
    header = bytearray(8)
    hview = memoryview(header)
    buf = bytearray(1 << 16)
    reply = bytearray(8 + (1 << 16))
    with conn:
        while _recv_exact(conn, hview, 8):
            length, reply_len = struct.unpack("<II", header)
            if length > len(buf):
                buf = bytearray(length)
            if not _recv_exact(conn, memoryview(buf), length):
                return
            if 8 + reply_len > len(reply):
                reply = bytearray(8 + reply_len)
            struct.pack_into("<II", reply, 0, reply_len, 0)
            conn.sendall(memoryview(reply)[: 8 + reply_len])


def _serve(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        if conn.family != socket.AF_UNIX:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_echo_conn, args=(conn,), daemon=True).start()


def _echo(unix_path: str) -> None:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    if os.path.exists(unix_path):
        os.unlink(unix_path)
    uds = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    uds.bind(unix_path)
    uds.listen()
    for s in (tcp, uds):
        threading.Thread(target=_serve, args=(s,), daemon=True).start()
    print(f"ECHO_READY {tcp.getsockname()[1]} {unix_path}", flush=True)
    sys.stdin.read()  # until the Java side closes our stdin (or dies)
    os.unlink(unix_path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    ip = sub.add_parser("inprocess")
    ip.add_argument("spec")
    ip.add_argument("out_dir")
    sp = sub.add_parser("inprocess-serve")
    sp.add_argument("out_dir")
    ep = sub.add_parser("echo")
    ep.add_argument("--unix", required=True)
    args = p.parse_args()
    if args.cmd == "inprocess":
        _inprocess(args.spec, args.out_dir)
    elif args.cmd == "inprocess-serve":
        _inprocess_serve(args.out_dir)
    else:
        _echo(args.unix)


if __name__ == "__main__":
    main()
