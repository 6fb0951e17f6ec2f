"""Craftax through the bridge: bit-identical to stepping Craftax directly with the documented keys.

The reference (:class:`Direct`) steps Craftax's own ``NoAutoReset`` env one env at a time with its
jitted ``env.reset`` / ``env.step``, following the key discipline of adapters/craftax.py: env i
starts from ``PRNGKey(seed + i)`` and splits its key once per reset or step. JAX compiles are the
cost here (tens of seconds each on CPU), so every test uses 2 envs -- one compiled shape per id on
the server -- and one module-scoped reference per id.
"""
from __future__ import annotations

import os
from pathlib import Path

import grpc
import jax
import numpy as np
import pytest
from craftax.craftax_env import make_craftax_env_from_name, make_craftax_env_from_params
from gymnasium.vector import AutoresetMode

from gymbridge.v1 import env_pb2 as epb
from gymbridge_server.adapters.craftax import FEW, INSTALL, SPACES, reset_calls, seed_keys
from gymbridge_server.client import RemoteError, RemoteVectorEnv

N = 2
IDS = ["Craftax-Classic-Symbolic-v1", "Craftax-Classic-Pixels-v1", "Craftax-Symbolic-v1"]
NEVER = np.iinfo(np.int32).max


class Direct:
    """N Craftax envs stepped directly (per env, Craftax's jitted methods), NEXT_STEP autoreset."""

    def __init__(self, env_id: str) -> None:
        self.env = make_craftax_env_from_name(env_id, auto_reset=False)

    def reset(self, seed: int, max_timesteps: int) -> np.ndarray:
        self.params = self.env.default_params.replace(max_timesteps=max_timesteps)
        self.keys = [jax.random.PRNGKey(seed + i) for i in range(N)]
        self.states: list = [None] * N
        self.ended = [False] * N
        obs = [self._reset(i) for i in range(N)]
        return np.stack(obs)

    def _sub(self, i: int) -> jax.Array:
        self.keys[i], sub = jax.random.split(self.keys[i])
        return sub

    def _reset(self, i: int) -> np.ndarray:
        obs, self.states[i] = self.env.reset(self._sub(i), self.params)
        return np.asarray(obs)

    def step_same(self, actions: np.ndarray) -> tuple:
        """SAME_STEP autoreset: (obs, rewards f32, terminated, truncated, ended envs' final obs or None)."""
        obs, rew, term, trunc, final = [], [], [], [], []
        for i in range(N):
            o, self.states[i], r, done, _ = self.env.step(self._sub(i), self.states[i], int(actions[i]), self.params)
            died = bool(self.env.is_terminal(self.states[i], self.params.replace(max_timesteps=NEVER)))
            rew.append(np.float32(r))
            term.append(bool(done) and died)
            trunc.append(bool(done) and not died)
            final.append(np.asarray(o) if done else None)
            obs.append(self._reset(i) if done else np.asarray(o))
        return np.stack(obs), np.array(rew), np.array(term), np.array(trunc), final

    def step(self, actions: np.ndarray) -> tuple:
        """(obs, rewards f32, terminated, truncated, per-env info or None, per-env achievements or None)."""
        obs, rew, term, trunc, infos, achs = [], [], [], [], [], []
        for i in range(N):
            if self.ended[i]:
                obs.append(self._reset(i))
                rew.append(np.float32(0))
                term.append(False)
                trunc.append(False)
                infos.append(None)
                achs.append(None)
                self.ended[i] = False
                continue
            o, self.states[i], r, done, info = self.env.step(self._sub(i), self.states[i], int(actions[i]), self.params)
            died = bool(self.env.is_terminal(self.states[i], self.params.replace(max_timesteps=NEVER)))
            obs.append(np.asarray(o))
            rew.append(np.float32(r))
            term.append(bool(done) and died)
            trunc.append(bool(done) and not died)
            infos.append({k: np.asarray(v) for k, v in info.items()})
            achs.append(np.asarray(self.states[i].achievements))
            self.ended[i] = bool(done)
        return np.stack(obs), np.array(rew), np.array(term), np.array(trunc), infos, achs


@pytest.fixture(scope="module")
def direct() -> dict[str, Direct]:
    return {env_id: Direct(env_id) for env_id in IDS}


def test_the_listed_spaces_are_the_ones_craftax_declares():
    for (classic, symbolic), (shape, num_actions) in SPACES.items():
        env = make_craftax_env_from_params(classic=classic, symbolic=symbolic, auto_reset=False)
        assert tuple(env.observation_space(env.default_params).shape) == shape
        assert env.num_actions == num_actions


def test_seed_keys_are_jax_prng_keys():
    seeds = [0, 1, 7, 2**31 - 1, 2**32 + 5]
    want = np.stack([np.asarray(jax.random.PRNGKey(s)) for s in seeds[:4]])
    assert seed_keys(seeds[:4]).tobytes() == want.astype(np.uint32).tobytes()
    assert seed_keys([2**32 + 5]).tolist() == [[1, 5]]  # threefry's 64-bit seed: high, low words


def test_autoresets_regenerate_only_the_ended_envs_worlds():
    def calls(n, ended):
        mask = np.zeros(n, dtype=np.bool_)
        mask[list(ended)] = True
        return [c.tolist() for c in reset_calls(mask)]

    assert calls(1024, []) == []
    assert calls(1024, [7]) == [[7] * FEW]  # one world, padded by repeats to the compiled size
    assert calls(1024, [3, 900]) == [[3, 900] + [3] * (FEW - 2)]
    several = calls(1024, range(0, 20))  # 20 ends: three calls of 8
    assert [len(c) for c in several] == [FEW] * 3 and sorted(set(sum(several, []))) == list(range(20))
    assert len(calls(1024, range(1024))) == 1024 // FEW
    assert calls(2, [1]) == [[1, 1]] and calls(2, [0, 1]) == [[0, 1]]


def test_sixteen_envs_equal_sixteen_direct_envs(server):
    """Past 8 envs a vmapped world generation gives other bits in the upper lanes: the session resets in
    calls of 8, so every env equals Craftax's own unbatched reset and step, autoresets included."""
    n = 16
    env = make_craftax_env_from_name("Craftax-Classic-Symbolic-v1", auto_reset=False)
    params = env.default_params.replace(max_timesteps=3)
    keys = [jax.random.PRNGKey(40 + i) for i in range(n)]

    def sub(i):
        keys[i], s = jax.random.split(keys[i])
        return s

    states = [None] * n

    def reset(i):
        obs, states[i] = env.reset(sub(i), params)
        return np.asarray(obs)

    remote = RemoteVectorEnv(server.address, "Craftax-Classic-Symbolic-v1", n, max_episode_steps=3)
    try:
        obs, _ = remote.reset(seed=40)
        assert obs.tobytes() == np.stack([reset(i) for i in range(n)]).tobytes()
        ended = [False] * n
        for t in range(5):  # steps 1-3, truncation, then the autoreset step
            actions = np.arange(n) % 17
            want = []
            for i in range(n):
                if ended[i]:
                    want.append(reset(i))
                    ended[i] = False
                    continue
                o, states[i], _, done, _ = env.step(sub(i), states[i], int(actions[i]), params)
                want.append(np.asarray(o))
                ended[i] = bool(done)
            got = remote.step(actions)[0]
            assert got.tobytes() == np.stack(want).tobytes(), f"step {t}: envs {[i for i in range(n) if got[i].tobytes() != want[i].tobytes()]}"
    finally:
        remote.close()


def _assert_step_equal(t: int, want: tuple, got: tuple, classic: bool) -> None:
    w_obs, w_rew, w_term, w_trunc, w_infos, w_achs = want
    obs, rew, term, trunc, infos = got
    assert obs.dtype == np.float32 and obs.tobytes() == w_obs.tobytes(), f"step {t}: observations differ"
    assert rew.dtype == np.float64 and rew.tolist() == w_rew.astype(np.float64).tolist(), f"step {t}: {rew} != {w_rew}"
    assert term.tolist() == w_term.tolist() and trunc.tolist() == w_trunc.tolist(), f"step {t}"
    stepped = [i for i in range(N) if w_infos[i] is not None]
    if not stepped:
        assert infos == {}, f"step {t}: every env reset, yet infos {sorted(infos)}"
        return
    for key in w_infos[stepped[0]]:
        assert infos[f"_{key}"].tolist() == [w_infos[i] is not None for i in range(N)], f"step {t}: _{key}"
        for i in stepped:
            assert infos[key][i].tobytes() == w_infos[i][key].tobytes(), f"step {t}: info {key} of env {i}"
    achievements = infos["achievements"]
    if classic:
        from craftax.craftax_classic.constants import Achievement
    else:
        from craftax.craftax.constants import Achievement
    names = [k.removeprefix("Achievements/") for k in w_infos[stepped[0]] if k.startswith("Achievements/")]
    assert [k for k in achievements if not k.startswith("_")] == names
    for i in stepped:
        by_index = [int(achievements[a.name.lower()][i]) for a in sorted(Achievement, key=lambda a: a.value)]
        assert by_index == w_achs[i].astype(np.int64).tolist(), f"step {t}: env {i}"


# Each id costs two XLA compiles (server and reference, ~1 min each on 2 cores): the default suite checks
# the classic symbolic id; `pytest -m craftax_full tests/test_craftax.py` checks the pixel and full-game ids too.
_FULL_ONLY = pytest.mark.craftax_full


@pytest.mark.parametrize(
    "env_id", [i if i == "Craftax-Classic-Symbolic-v1" else pytest.param(i, marks=_FULL_ONLY) for i in IDS]
)
def test_trajectory_is_bit_identical_to_stepping_craftax_directly(server, direct, env_id):
    """30 random steps with an episode limit of 12: two truncations, each followed by an autoreset."""
    ref = direct[env_id]
    remote = RemoteVectorEnv(server.address, env_id, N, max_episode_steps=12)
    try:
        assert remote.single_action_space.n == ref.env.num_actions
        assert remote.single_observation_space.shape == tuple(ref.env.observation_space(ref.env.default_params).shape)
        assert remote.spec_info.max_episode_steps == 12
        want = ref.reset(seed=5, max_timesteps=12)
        obs, infos = remote.reset(seed=5)
        assert obs.tobytes() == want.tobytes() and infos == {}
        assert not np.array_equal(obs[0], obs[1])  # seed + i: two different worlds
        rng = np.random.default_rng(3)
        truncations = autoresets = 0
        for t in range(30):
            actions = rng.integers(0, ref.env.num_actions, size=N)
            expected = ref.step(actions)
            got = remote.step(actions)
            _assert_step_equal(t, expected, got, "Classic" in env_id)
            truncations += int(expected[3].sum())
            autoresets += sum(1 for info in expected[4] if info is None)
        assert truncations == 2 * N and autoresets == 2 * N
    finally:
        remote.close()


def test_envs_that_end_at_different_steps_reset_alone(server, direct):
    """Env 0 restarts 3 steps after env 1, so their episodes end on different steps: each autoreset
    regenerates one world (not the batch's) and matches the reference."""
    ref = direct["Craftax-Classic-Symbolic-v1"]
    remote = RemoteVectorEnv(server.address, "Craftax-Classic-Symbolic-v1", N, max_episode_steps=6)
    try:
        ref.reset(seed=31, max_timesteps=6)
        remote.reset(seed=31)
        rng = np.random.default_rng(8)
        for t in range(3):
            actions = rng.integers(0, 17, size=N)
            _assert_step_equal(t, ref.step(actions), remote.step(actions), True)
        obs, _ = remote.reset(options={"reset_mask": np.array([True, False])})
        assert obs[0].tobytes() == ref._reset(0).tobytes()
        ref.ended[0] = False
        alone = 0
        for t in range(3, 20):
            actions = rng.integers(0, 17, size=N)
            expected = ref.step(actions)
            _assert_step_equal(t, expected, remote.step(actions), True)
            alone += int(sum(info is None for info in expected[4]) == 1)
        assert alone >= 3  # autoresets of one env while the other steps
    finally:
        remote.close()


def test_same_step_autoreset_matches_the_reference(server, direct):
    ref = direct["Craftax-Classic-Symbolic-v1"]
    remote = RemoteVectorEnv(server.address, "Craftax-Classic-Symbolic-v1", N, max_episode_steps=5,
                             autoreset_mode=AutoresetMode.SAME_STEP)
    try:
        ref.reset(seed=44, max_timesteps=5)
        remote.reset(seed=44)
        rng = np.random.default_rng(2)
        ended_steps = 0
        for t in range(12):
            actions = rng.integers(0, 17, size=N)
            w_obs, w_rew, w_term, w_trunc, w_final = ref.step_same(actions)
            obs, rew, term, trunc, infos = remote.step(actions)
            assert obs.tobytes() == w_obs.tobytes(), f"step {t}: observations (after the autoreset) differ"
            assert rew.tolist() == w_rew.astype(np.float64).tolist() and term.tolist() == w_term.tolist()
            assert trunc.tolist() == w_trunc.tolist(), f"step {t}"
            ended = [f is not None for f in w_final]
            if any(ended):
                ended_steps += 1
                assert infos["_final_obs"].tolist() == ended
                for i in np.flatnonzero(ended):
                    assert infos["final_obs"][i].tobytes() == w_final[i].tobytes(), f"step {t}: final_obs {i}"
                assert infos["_final_info"].tolist() == ended
            else:
                assert "final_obs" not in infos
        assert ended_steps == 2  # steps 5 and 10
    finally:
        remote.close()


def test_truncation_reports_the_episode_achievements(server):
    """Craftax's Achievements/* infos are 100.0 on the ending step for what the episode unlocked."""
    remote = RemoteVectorEnv(server.address, "Craftax-Classic-Symbolic-v1", N, max_episode_steps=3)
    try:
        remote.reset(seed=9)
        for _ in range(3):
            _, _, terminated, truncated, infos = remote.step(np.array([5, 5]))  # 5: "do" (collects wood at a tree)
        assert truncated.tolist() == [True, True] and terminated.tolist() == [False, False]
        for name, unlocked in infos["achievements"].items():
            if not name.startswith("_"):
                assert infos[f"Achievements/{name}"].tolist() == [100.0 * u for u in unlocked.tolist()]
        assert infos["discount"].tolist() == [0.0, 0.0]
        _, rewards, _, _, infos = remote.step(np.array([0, 0]))  # the autoreset step
        assert rewards.tolist() == [0.0, 0.0] and infos == {}
    finally:
        remote.close()


def test_disabled_autoreset_resets_only_the_masked_env(server, direct):
    ref = direct["Craftax-Classic-Symbolic-v1"]
    remote = RemoteVectorEnv(server.address, "Craftax-Classic-Symbolic-v1", N, max_episode_steps=4,
                             autoreset_mode=AutoresetMode.DISABLED)
    try:
        want = ref.reset(seed=21, max_timesteps=4)
        assert remote.reset(seed=21)[0].tobytes() == want.tobytes()
        for t in range(4):
            expected = ref.step(np.array([t, 1]))
            got = remote.step(np.array([t, 1]))
            assert got[0].tobytes() == expected[0].tobytes(), f"step {t}"
            assert got[3].tolist() == [t == 3] * N and got[2].tolist() == [False] * N, f"step {t}"
        with pytest.raises(RemoteError) as e:
            remote.step(np.array([0, 0]))
        assert e.value.reason == "RESET_REQUIRED"
        obs, _ = remote.reset(options={"reset_mask": np.array([False, True])})
        # env 1 resets with its next key; env 0 keeps its last observation
        assert obs[0].tobytes() == expected[0][0].tobytes()
        assert obs[1].tobytes() == ref._reset(1).tobytes()
    finally:
        remote.close()


def test_same_seed_same_trajectory_in_a_new_session(server):
    runs = []
    for _ in range(2):
        remote = RemoteVectorEnv(server.address, "Craftax-Classic-Symbolic-v1", N, max_episode_steps=12)
        try:
            out = [remote.reset(seed=77)[0]]
            for t in range(5):
                out.append(remote.step(np.array([t, 16 - t]))[0])
            runs.append(np.stack(out))
        finally:
            remote.close()
    assert runs[0].tobytes() == runs[1].tobytes()


def test_per_env_wrappers_are_refused(stub):
    with pytest.raises(grpc.RpcError) as e:
        stub.Make(epb.MakeRequest(env_id="Craftax-Classic-Symbolic-v1", num_envs=N,
                                  wrappers=[epb.WrapperSpec(name="ClipReward")]))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "one batched call" in e.value.details()


def test_without_craftax_making_it_names_the_pip_command(new_server, tmp_path: Path, monkeypatch):
    # A sitecustomize that blocks ``import craftax``: the server as if craftax were not installed.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import sys\nsys.modules['craftax'] = None\n")
    monkeypatch.setenv("PYTHONPATH", f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    srv = new_server("--port", "0", "--log-level", "warning")
    stub = srv.stub()
    for env_id in IDS:
        with pytest.raises(grpc.RpcError) as e:
            stub.Make(epb.MakeRequest(env_id=env_id, num_envs=N))
        assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert dict(e.value.trailing_metadata())["gymbridge-reason"] == "DEPENDENCY_MISSING"
        assert INSTALL in e.value.details(), e.value.details()
    listing = {e.env_id: e for e in stub.ListEnvs(epb.ListEnvsRequest(with_spaces=True, prefix="Craftax")).envs}
    assert sorted(listing) == sorted(IDS)
    assert all(INSTALL in e.unavailable for e in listing.values())
