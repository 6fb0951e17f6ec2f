"""Worker processes for expensive envs: a vector env whose envs step in parallel, bit-identical to sync.

``vectorization="workers"`` makes a :class:`WorkerVectorEnv`: W worker processes (default
``min(num_envs, CPU count)``), each owning a contiguous slice of the envs as its own Gymnasium
``SyncVectorEnv`` (made exactly like a sync session, see ``factory.make_vector_env``).
Everything a step moves lives in one shared-memory block (a file in /dev/shm mapped by everyone and
unlinked as soon as all have mapped it, so nothing is left behind even if the server is killed): the
parent writes the actions there and sends each worker a few bytes over its pipe; the workers step at
the same time and write observations, rewards, terminated, truncated and -- while their layout stays
the same, as MuJoCo's does -- the infos there too, answering with one byte (see ``_STEP``). Infos of
other shapes, structured observations and actions, resets and errors travel over the pipes.

Why this shape (DESIGN.md, measured): Gymnasium's AsyncVectorEnv runs one process per env and pays a
pipe round trip per env per step -- 1.04x SyncVectorEnv for Ant-v5 x16 and 0.33x for HalfCheetah-v5
x16 on 2 cores. A few workers stepping many envs each (PufferLib's design) pay one round trip per
worker instead.

Fidelity: env ``i`` lives in the worker whose slice holds it and is seeded ``seed + i`` exactly as in
one SyncVectorEnv; autoreset is per env in both; the per-worker infos are joined in env order with
Gymnasium's key order, dtypes (the first env's over the whole session, ``slices.py``) and ``_key`` masks.
The tests compare trajectories and infos with ``gymnasium.make_vec(..., "sync")`` bit for bit.

Crashes: an env that raises in a worker re-raises the same exception here (the session reports it
as ABORTED and marks the session broken; its next reset makes a fresh WorkerVectorEnv). A worker
that dies (SIGKILL, segfault) shows up as a closed pipe; ``processes`` lets the session name it.
"""
from __future__ import annotations

import itertools
import logging
import mmap
import multiprocessing as mp
import json
import os
import struct
import tempfile
import traceback
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from gymbridge.slices import ARRAY_SPACES, slice_batch
from gymbridge_server import envmodules, registered_fault_envs
from gymbridge_server.transport import spinwait
from gymbridge_server.vector import crash, slices
from gymbridge_server.transport.spinwait import SpinWait, readable

log = logging.getLogger(__name__)

_SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else None
_ALIGN = 64


# Each worker is pinned to one CPU, taken in turn from the CPUs this server may use (so the workers of one
# session, and of successive sessions, land on different CPUs). Why: a step wakes the workers through pipe
# writes, and Linux places a task woken by a pipe on the writer's CPU -- so both workers of a 2-core machine
# often queued on one CPU until the load balancer moved one (measured: HalfCheetah x64 with 2 workers took
# 1.82-2.44 ms per step unpinned, both workers seen on one CPU, and 1.69-1.82 ms pinned; through the bridge
# some bench runs had a workers row at half speed). Sessions with more workers than CPUs are left unpinned.
_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
_next_cpu = itertools.count()


def _pin(pid: int) -> None:
    try:
        os.sched_setaffinity(pid, {_CPUS[next(_next_cpu) % len(_CPUS)]})
    except OSError as e:  # not allowed here (some containers): the scheduler places the worker
        log.debug("could not pin worker %d: %s", pid, e)


def default_num_workers(num_envs: int) -> int:
    return max(1, min(num_envs, os.cpu_count() or 1))


class WorkerVectorEnv(slices.SlicedVectorEnv):
    """A vector env of ``num_envs`` copies stepped by ``num_workers`` processes (see module doc)."""

    def __init__(
        self,
        env_id: str,
        num_envs: int,
        *,
        num_workers: int = 0,
        autoreset_mode: AutoresetMode = AutoresetMode.NEXT_STEP,
        kwargs: dict[str, Any] | None = None,
        wrappers: list[tuple[str, dict[str, Any]]] | None = None,
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        limits: Any = None,
    ) -> None:
        if num_workers < 0:
            raise ValueError(f"num_workers={num_workers} is negative; use 0 (one per core) or more")
        self.num_envs = num_envs
        w = min(num_workers or default_num_workers(num_envs), num_envs)
        self.slices = slices.split(num_envs, w)
        self.autoreset_mode = autoreset_mode
        self.render_mode = render_mode
        self._closed = False
        self._shm: mmap.mmap | None = None
        self._arrays: dict[str, np.ndarray] = {}
        self._worker_obs: list[list[Any]] = [[] for _ in self.slices]  # structured obs only
        self._act: np.ndarray | None = None  # the batched actions in shared memory (array action spaces)
        # The info layout the workers write into shared memory (see _INFO_IN_SHM): its number, its JSON
        # (sent once to each worker), the merged views and the number each worker last heard of.
        self._info_epoch = 0
        self._step_header = _STEP + _EPOCH.pack(0)  # b"S" + the layout's number, built once per layout
        self._info_json = b""
        self._info_views: dict[str, np.ndarray] = {}
        self._info_told: list[int] = [0 for _ in self.slices]
        self._info_layout: tuple | None = None
        self.shm_info_steps = 0  # steps whose infos all came through shared memory (tests, benchmarks)
        make_args = {
            "env_id": env_id,
            "autoreset_mode": autoreset_mode,
            "kwargs": dict(kwargs or {}),
            "wrappers": list(wrappers or []),
            "render_mode": render_mode,
            "max_episode_steps": max_episode_steps,
            "spin_s": spinwait.configured_s(),  # workers are spawned: they do not see the server's setting
            "limits": limits,
            "session_envs": num_envs,
            # The operator's env registrations (--env-module, --env-path, --fault-envs): a spawned
            # worker starts with Gymnasium's registry only.
            "env_modules": envmodules.loaded(),
            "fault_envs": registered_fault_envs(),
        }
        # spawn: forking a multi-threaded gRPC server is unsafe.
        ctx = mp.get_context("spawn")
        self.processes: list[mp.process.BaseProcess] = []
        self._conns: list[Connection] = []
        try:
            for i, (lo, hi) in enumerate(self.slices):
                parent, child = ctx.Pipe()
                p = ctx.Process(target=_worker_main, args=(child, make_args, hi - lo), name=f"gymbridge-worker-{i}", daemon=True)
                p.start()
                child.close()
                if w <= len(_CPUS):
                    _pin(p.pid)
                self.processes.append(p)
                self._conns.append(parent)
            # The parent polls for the workers' answers before sleeping (spinwait.py), all pipes at once.
            self._spin = SpinWait()
            self._answered = readable(*self._conns)
            described = [self._recv(i) for i in range(w)]
            single_obs, single_act, metadata, spec = described[0]
            self.single_observation_space = single_obs
            self.single_action_space = single_act
            self.observation_space = batch_space(single_obs, num_envs)
            self.action_space = batch_space(single_act, num_envs)
            self.metadata = dict(metadata)
            self.metadata["autoreset_mode"] = autoreset_mode
            self.spec = spec
            self._setup_shared_memory()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------------------ plumbing

    def _setup_shared_memory(self) -> None:
        """One block: observations (when one array), rewards, terminated, truncated; mapped by all."""
        n = self.num_envs
        layout: list[tuple[str, np.dtype, tuple[int, ...]]] = []
        if isinstance(self.single_observation_space, ARRAY_SPACES):  # one fixed-shape array: shared memory
            layout.append(("obs", np.dtype(self.observation_space.dtype), tuple(self.observation_space.shape)))
        layout += [("rew", np.dtype(np.float64), (n,)), ("term", np.dtype(np.bool_), (n,)), ("trunc", np.dtype(np.bool_), (n,))]
        if isinstance(self.single_action_space, ARRAY_SPACES):
            layout.append(("act", np.dtype(self.action_space.dtype), tuple(self.action_space.shape)))
        layout.append(("info", np.dtype(np.uint8), (max(_INFO_AREA_MIN, _INFO_AREA_PER_ENV * n),)))
        offsets = []
        size = 0
        for _, dtype, shape in layout:
            offsets.append(size)
            size += -(-int(np.prod(shape, dtype=np.int64)) * dtype.itemsize // _ALIGN) * _ALIGN
        fd, path = tempfile.mkstemp(prefix="gymbridge-workers-", dir=_SHM_DIR)
        try:
            os.ftruncate(fd, max(size, 1))
            self._shm = mmap.mmap(fd, max(size, 1))
            spec = [(name, dtype.str, shape, off) for (name, dtype, shape), off in zip(layout, offsets)]
            for i, (lo, hi) in enumerate(self.slices):
                self._conns[i].send(("attach", (path, spec, lo, hi)))
            for i in range(len(self._conns)):
                self._recv(i)
        finally:
            os.close(fd)
            os.unlink(path)  # every process has it mapped now: nothing is left in /dev/shm
        self._arrays = {
            name: np.ndarray(shape, dtype=dtype, buffer=self._shm, offset=off)
            for (name, dtype, shape), off in zip(layout, offsets)
        }
        self._act = self._arrays.get("act")

    def _dead(self, i: int, cause: BaseException) -> EOFError:
        p = self.processes[i]
        p.join(1.0)
        e = EOFError(f"worker process {i} (pid {p.pid}) of this session died (exit code {p.exitcode})")
        e.__cause__ = cause
        return e

    def _recv(self, i: int) -> Any:
        try:
            buf = self._conns[i].recv_bytes()
        except (EOFError, OSError) as e:
            raise self._dead(i, e) from e
        if buf == _INFO_IN_SHM:
            return _INFO_IN_SHM
        if buf[:1] == _RAW_INFO:
            return _unpack_info(buf)
        status, payload = ForkingPickler.loads(buf)  # what Connection.recv() does
        if status == "error":
            raise payload
        return payload

    def _call_all(self, messages: list[tuple[str, Any] | bytes | None]) -> list[Any]:
        """Send each worker its message (None: skip it), then collect every answer before raising."""
        sent = []
        first_error: BaseException | None = None
        for i, m in enumerate(messages):
            if m is not None:
                try:
                    if type(m) is bytes:
                        self._conns[i].send_bytes(m)
                    else:
                        self._conns[i].send(m)
                    sent.append(i)
                except OSError as e:
                    first_error = first_error or self._dead(i, e)
        results: list[Any] = [None] * len(messages)
        if sent:
            n = len(sent)
            self._spin.begin()
            self._spin.poll(lambda: self._answered(n))
        for i in sent:
            try:
                results[i] = self._recv(i)
            except BaseException as e:  # noqa: BLE001 -- keep draining the other workers' answers
                first_error = first_error or e
        if sent:
            self._spin.end()
        if first_error is not None:
            raise first_error
        return results

    # -------------------------------------------------------------------------------- VectorEnv

    def reset(self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None):
        calls = self._reset_calls(seed, options)
        results = self._call_all([("reset", c) if c is not None else None for c in calls])
        results = [r if r is not None else _NO_INFO for r in results]
        obs = self._observations(results)  # first: it takes structured observations out of the infos
        return obs, self._join_infos([r[0] for r in results], [r[1] for r in results])

    def step(self, actions: Any):
        act = self._act
        if act is not None and type(actions) is np.ndarray and actions.dtype == act.dtype and actions.shape == act.shape:
            # The hot path: actions through shared memory, a few bytes of message per worker.
            act[...] = actions
            messages: list[Any] = [self._step_message(i) for i in range(len(self.slices))]
        else:  # another dtype or a structured space: pickled, so the worker steps exactly these values
            messages = [("step", slice_batch(self.single_action_space, actions, lo, hi)) for lo, hi in self.slices]
        results = self._call_all(messages)
        a = self._arrays
        obs = self._observations(results)  # first, as in reset
        return obs, a["rew"], a["term"], a["trunc"], self._infos(results)

    def _step_message(self, i: int) -> bytes:
        """b"S", the info layout's number and, when worker i has not heard of that layout yet, its JSON."""
        if self._info_told[i] == self._info_epoch:
            return self._step_header
        self._info_told[i] = self._info_epoch
        return self._step_header + self._info_json

    def _infos(self, results: list[Any]) -> dict[str, Any]:
        """The step's vector info: the shared-memory views when every worker wrote there (the steady state
        of envs whose infos keep one numeric layout, like MuJoCo's), else the joined per-worker infos --
        and when those all share one flat numeric layout that fits, it becomes the layout of the next steps.
        (A worker writes there only infos it did not widen, all of the layout's dtypes: nothing to cast.)"""
        if all(r is _INFO_IN_SHM for r in results):
            self.shm_info_steps += 1
            return dict(self._info_views)
        infos, firsts = [], []
        for r, (lo, hi) in zip(results, self.slices):
            if r is _INFO_IN_SHM:
                infos.append({k: v[lo:hi] for k, v in self._info_views.items()})
                firsts.append(slices.NOTHING_WIDENED)
            else:
                infos.append(r[0])
                firsts.append(r[1])
        joined = self._join_infos(infos, firsts)
        if not any(firsts):
            self._adopt_info_layout(infos)
        return joined

    def _adopt_info_layout(self, infos: list[Any]) -> None:
        if self._act is None:
            return  # the pickled path never announces layouts
        layout = _flat_layout(infos[0])
        if layout is None or layout == self._info_layout or any(_flat_layout(i) != layout for i in infos[1:]):
            return
        n = self.num_envs
        area = self._arrays["info"]
        views: dict[str, np.ndarray] = {}
        off = 0
        spec = []
        for key, dtype_str, rest in layout:
            dtype = np.dtype(dtype_str)
            count = n * int(np.prod(rest, dtype=np.int64))
            off = -(-off // dtype.alignment) * dtype.alignment
            if off + count * dtype.itemsize > area.nbytes:
                return  # too large for the area: these infos keep travelling over the pipes
            views[key] = area[off:off + count * dtype.itemsize].view(dtype).reshape((n, *rest))
            spec.append([key, dtype_str, list(rest), off])
            off += count * dtype.itemsize
        self._info_epoch += 1
        self._step_header = _STEP + _EPOCH.pack(self._info_epoch)
        self._info_layout = layout
        self._info_json = json.dumps(spec).encode("utf-8")
        self._info_views = views

    def _observations(self, results: list[Any]) -> Any:
        if "obs" in self._arrays:
            return self._arrays["obs"]
        # Structured observations travel over the pipes; a worker that was not reset keeps its last ones.
        from gymnasium.vector.utils import concatenate, create_empty_array, iterate

        items: list[Any] = []
        for i, (r, (lo, hi)) in enumerate(zip(results, self.slices)):
            if type(r) is tuple and "__obs__" in r[0]:
                self._worker_obs[i] = list(iterate(batch_space(self.single_observation_space, hi - lo), r[0].pop("__obs__")))
            items.extend(self._worker_obs[i])
        return concatenate(self.single_observation_space, items, create_empty_array(self.single_observation_space, n=self.num_envs))

    # ------------------------------------------------------------------------------ snapshots

    def _one(self, index: int, cmd: str, arg: tuple) -> Any:
        """Send one command to the worker that owns env ``index`` (its index within the worker first)."""
        for w, (lo, hi) in enumerate(self.slices):
            if lo <= index < hi:
                messages: list[Any] = [None] * len(self.slices)
                messages[w] = (cmd, (index - lo, *arg))
                return self._call_all(messages)[w]
        raise IndexError(f"env index {index} is not in 0..{self.num_envs - 1}")

    def take_snapshot(self, index: int, snapshot_id: int) -> None:
        """Snapshot env ``index``; the snapshot stays in its worker (snapshots.py)."""
        self._one(index, "snapshot", (snapshot_id,))

    def restore_snapshot(self, index: int, snapshot_id: int, reseed: int | None) -> None:
        self._one(index, "restore", (snapshot_id, reseed))

    def release_snapshots(self, snapshot_ids: list[int]) -> None:
        self._call_all([("release", list(snapshot_ids))] * len(self.slices))

    def render(self) -> tuple[Any, ...] | None:
        frames = self._call_all([("render", None)] * len(self._conns))
        return slices.join_frames(frames)

    def close(self, **kwargs: Any) -> None:
        if self._closed:
            return
        self._closed = True
        for c in self._conns:
            try:
                c.send(("close", None))
            except (OSError, ValueError):
                pass
        for p in self.processes:
            p.join(5.0)
            if p.is_alive():
                p.terminate()
                p.join(2.0)
            if p.is_alive():
                p.kill()
                p.join(2.0)
            crash.release(p)  # its sentinel descriptor, now rather than at garbage collection
        for c in self._conns:
            c.close()
        if self._shm is not None:
            self._arrays = {}
            try:
                self._shm.close()
            except BufferError:
                pass  # a caller still holds a view; the mapping goes with the last reference

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 -- interpreter shutdown
            pass


# ------------------------------------------------------------------------------------ helpers


# A worker's answer to a reset or step that carries its infos: (infos, the first dtypes of the keys it widened).
_NO_INFO: tuple[dict[str, Any], Any] = ({}, slices.NOTHING_WIDENED)


def _worker_main(conn: Connection, make_args: dict[str, Any], num_envs: int) -> None:
    """A worker: make the slice's SyncVectorEnv, then serve reset/step/render/snapshots/close until told to stop."""
    # Imported here: this runs in a fresh (spawned) interpreter.
    from gymbridge_server import register_envs
    from gymbridge_server.adapters import gymnasium as gym_adapter
    from gymbridge_server.snapshots import SnapshotStore

    gym_adapter.route_mujoco_warnings()
    env = None
    store: SnapshotStore | None = None
    arrays: dict[str, np.ndarray] = {}
    lo = hi = 0
    try:
        try:
            register_envs(fault_envs=make_args["fault_envs"])
            modules, paths = make_args["env_modules"]
            envmodules.load(modules, paths)
            env = slices.make_slice(make_args, num_envs)
            conn.send(("ok", (env.single_observation_space, env.single_action_space, dict(env.metadata), env.spec)))
        except BaseException as e:  # noqa: BLE001 -- report to the parent, which re-raises it
            _send_error(conn, e)
            return
        shm = None
        info_epoch, info_layout = 0, None
        # Poll for the next command before sleeping (spinwait.py): it comes ~a bridge round trip after an answer.
        spin = SpinWait(make_args["spin_s"])
        ready = readable(conn)
        while True:
            try:
                spin.poll(ready)
                buf = conn.recv_bytes()
                spin.end()
            except (EOFError, OSError, KeyboardInterrupt):
                return
            try:
                if buf[:1] == _STEP:
                    (epoch,) = _EPOCH.unpack_from(buf, 1)
                    if epoch != info_epoch:
                        info_epoch, info_layout = epoch, _attach_info_layout(arrays["info"], buf[1 + _EPOCH.size:], lo, hi)
                    obs, rew, term, trunc, info = env.step(arrays["act"][lo:hi].copy())
                    first = slices.slice_first_dtypes(env, info)
                    _write(arrays, obs, rew, term, trunc, lo, hi, info)
                    if info_layout is not None and not first and _write_info(info, info_layout):
                        conn.send_bytes(_INFO_IN_SHM)
                    else:
                        _send_info(conn, info, first)
                    spin.begin()
                    continue
                cmd, arg = ForkingPickler.loads(buf)
                if cmd == "step":
                    obs, rew, term, trunc, info = env.step(arg)
                    first = slices.slice_first_dtypes(env, info)
                    _write(arrays, obs, rew, term, trunc, lo, hi, info)
                    _send_info(conn, info, first)
                    spin.begin()
                elif cmd == "reset":
                    seeds, options = arg
                    obs, info = env.reset(seed=seeds, options=options)
                    first = slices.slice_first_dtypes(env, info)
                    _write(arrays, obs, None, None, None, lo, hi, info)
                    _send_info(conn, info, first)
                elif cmd == "attach":
                    path, spec, lo, hi = arg
                    fd = os.open(path, os.O_RDWR)
                    try:
                        shm = mmap.mmap(fd, os.fstat(fd).st_size)
                    finally:
                        os.close(fd)
                    arrays = {
                        name: np.ndarray(shape, dtype=np.dtype(dtype), buffer=shm, offset=off)
                        for name, dtype, shape, off in spec
                    }
                    conn.send(("ok", None))
                elif cmd == "render":
                    conn.send(("ok", env.render()))
                elif cmd in ("snapshot", "restore"):
                    store = store or SnapshotStore(env, make_args["env_id"])
                    if cmd == "snapshot":
                        store.take_snapshot(*arg)
                    else:
                        store.restore_snapshot(*arg)
                    conn.send(("ok", None))
                elif cmd == "release":
                    if store is not None:
                        store.release_snapshots(arg)
                    conn.send(("ok", None))
                elif cmd == "close":
                    return
                else:
                    conn.send(("error", ValueError(f"unknown worker command {cmd!r}")))
            except BaseException as e:  # noqa: BLE001 -- the env raised: the parent re-raises it
                _send_error(conn, e)
    finally:
        if env is not None:
            try:
                env.close()
            except Exception:  # noqa: BLE001
                pass
        conn.close()


def _write(arrays: dict[str, np.ndarray], obs: Any, rew: Any, term: Any, trunc: Any, lo: int, hi: int, info: dict) -> None:
    if "obs" in arrays:
        arrays["obs"][lo:hi] = obs
    else:
        info["__obs__"] = obs
    if rew is not None:
        arrays["rew"][lo:hi] = rew
        arrays["term"][lo:hi] = term
        arrays["trunc"][lo:hi] = trunc


# The step hot path (array action spaces). The parent writes the batched actions into shared memory and
# sends each worker b"S" + the number of the current info layout (+ its JSON the first time that worker
# sees it). A worker whose infos have exactly that layout -- same keys in the same order, dtypes and
# per-env shapes, as MuJoCo's do every step -- writes them into the shared info area, each key one
# [num_envs, ...] array in which the worker fills its slice, and answers b"K": the parent's merged info is
# then a dict of views, with no pipe payload, unpacking or concatenation (that was ~170 us of the parent's
# serial CPU per HalfCheetah x16 step). Any other info goes back over the pipe as before; the parent merges
# it and, if every worker's info had one flat numeric layout that fits the area, announces it as the next
# layout. The views are overwritten by the next step, like the shared observations.
_STEP = b"S"
_EPOCH = struct.Struct("<I")
_INFO_IN_SHM = b"K"
_INFO_AREA_MIN = 64 * 1024
_INFO_AREA_PER_ENV = 1024


def _flat_layout(info: Any) -> tuple | None:
    """((key, dtype, per-env shape), ...) of a dict of numeric arrays; None for anything else."""
    if type(info) is not dict or not info:
        return None
    out = []
    for k, v in info.items():
        if type(v) is not np.ndarray or v.dtype.kind not in "biuf" or type(k) is not str or v.ndim == 0:
            return None
        out.append((k, v.dtype.str, v.shape[1:]))
    return tuple(out)


def _attach_info_layout(area: np.ndarray, spec_json: bytes, lo: int, hi: int) -> list[tuple[str, np.dtype, tuple, np.ndarray]]:
    """A worker's side of a new info layout: per key its dtype, its shape over the slice and the slice's view."""
    layout = []
    for key, dtype_str, rest, off in json.loads(spec_json):
        dtype = np.dtype(dtype_str)
        shape = (hi - lo, *rest)
        per_env = int(np.prod(rest, dtype=np.int64)) * dtype.itemsize
        layout.append((key, dtype, shape, area[off + lo * per_env:off + hi * per_env].view(dtype).reshape(shape)))
    return layout


def _write_info(info: Any, layout: list[tuple[str, np.dtype, tuple, np.ndarray]]) -> bool:
    """Writes a worker's info into its slice of the shared views if it has exactly ``layout`` (keys in order,
    dtypes, shapes); False, leaving the info to the pipe, when it does not. (A partial write is harmless:
    the parent reads this worker's slice of the views only when it answered b"K".)"""
    if type(info) is not dict or len(info) != len(layout):
        return False
    for (k, v), (key, dtype, shape, view) in zip(info.items(), layout):
        if k != key or type(v) is not np.ndarray or v.dtype != dtype or v.shape != shape:
            return False
        view[...] = v
    return True


# Infos back from a worker: a flat dict of numeric arrays (MuJoCo's reward terms and masks, every step)
# travels as b"R", the layout [[key, dtype, shape], ...] as JSON (cached per layout on both sides), then the
# arrays' raw bytes -- a fraction of pickling 8-18 small arrays each step, on the parent's serial path.
# Anything else (final_obs objects, nested dicts, structured observations, keys the worker widened) is
# pickled as (infos, first dtypes of the widened keys).
_RAW_INFO = b"R"
_LAYOUTS_OUT: dict[tuple, bytes] = {}
_LAYOUTS_IN: dict[bytes, list[tuple[str, np.dtype, tuple[int, ...], int]]] = {}
_LAYOUT_LEN = struct.Struct("<I")


def _send_info(conn: Connection, info: dict, first: Any) -> None:
    if first:
        conn.send(("ok", (info, first)))
        return
    key = []
    blobs = []
    for k, v in info.items():
        if type(v) is not np.ndarray or v.dtype.kind not in "biuf" or type(k) is not str:
            conn.send(("ok", (info, first)))
            return
        key.append((k, v.dtype.str, v.shape))
        blobs.append(v.tobytes())
    layout_key = tuple(key)
    layout = _LAYOUTS_OUT.get(layout_key)
    if layout is None:
        layout = json.dumps(key).encode("utf-8")
        if len(_LAYOUTS_OUT) < 256:
            _LAYOUTS_OUT[layout_key] = layout
    conn.send_bytes(b"".join([_RAW_INFO, _LAYOUT_LEN.pack(len(layout)), layout, *blobs]))


def _unpack_info(buf: bytes) -> tuple[dict[str, np.ndarray], Any]:
    (n,) = _LAYOUT_LEN.unpack_from(buf, 1)
    start = 1 + _LAYOUT_LEN.size
    layout_bytes = buf[start:start + n]
    layout = _LAYOUTS_IN.get(layout_bytes)
    if layout is None:
        layout = [(k, np.dtype(d), tuple(shape), int(np.prod(shape, dtype=np.int64))) for k, d, shape in json.loads(layout_bytes)]
        if len(_LAYOUTS_IN) < 256:
            _LAYOUTS_IN[layout_bytes] = layout
    out = {}
    off = start + n
    for k, dtype, shape, count in layout:
        # Views of this message's bytes (read-only; join_infos concatenates them into new arrays).
        a = np.frombuffer(buf, dtype=dtype, count=count, offset=off)
        out[k] = a if len(shape) == 1 else a.reshape(shape)
        off += count * dtype.itemsize
    return out, slices.NOTHING_WIDENED


def _send_error(conn: Connection, e: BaseException) -> None:
    try:
        conn.send(("error", e))
    except Exception:  # noqa: BLE001 -- an exception that does not pickle: keep its last line
        last = traceback.format_exception_only(type(e), e)[-1].strip()
        try:
            conn.send(("error", RuntimeError(last)))
        except (OSError, ValueError):
            pass
