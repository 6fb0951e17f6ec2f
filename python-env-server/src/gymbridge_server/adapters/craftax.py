"""Craftax (``pip install 'gymbridge-server[craftax]'``): Crafter's mechanics in JAX, batched.

Ids: ``Craftax-Classic-Symbolic-v1`` (flat float32 [1345], 17 actions), ``Craftax-Classic-Pixels-v1``
(float32 [63, 63, 3] frames, 17 actions) and ``Craftax-Symbolic-v1`` (flat float32 [8268], 43
actions). A session of N envs is one :class:`CraftaxVectorEnv`: every batched step is ONE call of a
jit-compiled, ``jax.vmap``-ed function over Craftax's own ``env.step`` (the ``NoAutoReset`` classes,
with the default ``EnvParams``), so it costs one XLA dispatch whatever N is; the envs that reset are
reset by calls over those envs only, 8 at a time (:func:`reset_calls`: world generation is what
costs, and more lanes would change its bits).
Compiled functions are cached per (id, N) for the life of the process; the first session of a shape
pays the compiles, all in its first reset (seconds on CPU).

Keys (reproducible: same seeds and actions -> bit-identical results, in any process):

- ``reset(seed=s)`` gives env i the key ``jax.random.PRNGKey(s + i)`` (Gymnasium's seed + i;
  ``seeds=[...]`` gives env i ``PRNGKey(seeds[i])``); ``reset()`` without a seed goes on from the
  envs' current keys (the very first one draws a random seed).
- Every reset or step of an env splits its key once, ``key, sub = jax.random.split(key)``, and
  ``sub`` drives that operation: ``env.reset(sub, params)`` or ``env.step(sub, state, a, params)``.
  An env that is neither reset nor stepped (masked out) keeps its key.
- Autoreset (Gymnasium 1.x modes, NEXT_STEP by default): NEXT_STEP resets an ended env on its next
  step (that step's reward is 0, flags false, its infos masked out); SAME_STEP resets it within the
  ending step with a second split (``final_obs`` / ``final_info`` infos as Gymnasium's); DISABLED
  leaves it to ``reset(options={"reset_mask": ...})``.

Done flags: Craftax ends an episode when the player dies (or stands in lava, or beats the final
boss) -- **termination** -- or when ``state.timestep`` reaches ``max_timesteps`` -- **truncation**
(a death on the last step counts as termination). ``max_episode_steps`` (MakeRequest) sets
``EnvParams.max_timesteps``; the default is Craftax's own (10000 Classic, 100000 Craftax).

Infos (Gymnasium's vector layout, ``_key`` masks): Craftax's own info of the step, unchanged --
``Achievements/<name>`` (100.0 for an achievement unlocked in an episode that ended on this step,
else 0.0), ``discount`` and, for Classic, ``score`` -- plus ``achievements``: a dict of the
episode's achievements so far (``state.achievements`` as int64 0/1, under Crafter's names, in
Crafter's alphabetical order), which is what the Crafter reports read.

Without craftax/jax installed the ids stay registered and making one raises
``DependencyNotInstalled`` naming the pip command (FAILED_PRECONDITION, DEPENDENCY_MISSING).
"""
from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

INSTALL = "pip install 'gymbridge-server[craftax]'"
ENTRY_POINT = "gymbridge_server.adapters.craftax:CraftaxEnv"
VECTOR_ENTRY_POINT = "gymbridge_server.adapters.craftax:CraftaxVectorEnv"
# id -> (classic, symbolic, Craftax's default max_timesteps)
IDS: dict[str, tuple[bool, bool, int]] = {
    "Craftax-Classic-Symbolic-v1": (True, True, 10000),
    "Craftax-Classic-Pixels-v1": (True, False, 10000),
    "Craftax-Symbolic-v1": (False, True, 100000),
}
# (classic, symbolic) -> (observation shape, number of actions), as Craftax 1.6 declares them
# (asserted by the tests): ListEnvs describes the ids without importing jax (seconds).
SPACES: dict[tuple[bool, bool], tuple[tuple[int, ...], int]] = {
    (True, True): ((1345,), 17),
    (True, False): ((63, 63, 3), 17),
    (False, True): ((8268,), 43),
    (False, False): ((130, 110, 3), 43),
}
_NEVER = np.iinfo(np.int32).max  # max_timesteps that no episode reaches: death-only termination


def _missing(error: object) -> gym.error.DependencyNotInstalled:
    return gym.error.DependencyNotInstalled(
        f"Craftax needs craftax and jax, which are not installed on the server ({error}); "
        f"install them with: {INSTALL}"
    )


def _check_installed() -> None:
    """DependencyNotInstalled unless craftax and jax can be found (without importing them)."""
    for name in ("craftax", "jax"):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a broken or blocked package
            found = False
        if not found:
            raise _missing(f"No module named {name!r}")


def _import_craftax() -> Any:
    try:
        import jax  # noqa: F401
        from craftax import craftax_env
    except ImportError as e:
        raise _missing(e) from e
    return craftax_env


def seed_keys(seeds: Sequence[int]) -> np.ndarray:
    """``jax.random.PRNGKey(s)`` for each seed, as uint32 [n, 2] (threefry: high, low 32 bits)."""
    s = np.asarray([int(x) for x in seeds], dtype=np.uint64)
    return np.stack([(s >> np.uint64(32)).astype(np.uint32), (s & np.uint64(0xFFFFFFFF)).astype(np.uint32)], axis=1)


class _Kernels:
    """One Craftax variant's env object, its default params and its compiled batched transition."""

    def __init__(self, classic: bool, symbolic: bool) -> None:
        craftax_env = _import_craftax()
        import jax

        self.env = craftax_env.make_craftax_env_from_params(classic=classic, symbolic=symbolic, auto_reset=False)
        self.params = self.env.default_params
        self.classic = classic
        self.obs_shape = tuple(int(d) for d in self.env.observation_space(self.params).shape)
        self.num_actions = int(self.env.num_actions)
        if classic:
            from craftax.craftax_classic.constants import Achievement
        else:
            from craftax.craftax.constants import Achievement
        # (index in state.achievements, name), by name: the order of Crafter's dict and of Craftax's
        # info keys once jit has flattened them
        self.achievements = sorted(((a.value, a.name.lower()) for a in Achievement), key=lambda x: x[1])
        self.step = jax.jit(self._step)
        self.reset_some = jax.jit(self._reset_some)

    def _step(self, keys, states, obs, actions, step_now, params):  # noqa: ANN001
        """One batched step of the envs in ``step_now``; the others keep state, obs and key."""
        import jax
        import jax.numpy as jnp

        env = self.env
        n = actions.shape[0]

        def per_env(mask, a, b):  # noqa: ANN001, ANN202
            return jax.tree.map(lambda x, y: jnp.where(mask.reshape((n,) + (1,) * (x.ndim - 1)), x, y), a, b)

        split = jax.vmap(jax.random.split)(keys)
        next_keys, subs = split[:, 0], split[:, 1]
        obs_s, st_s, reward, done, info = jax.vmap(env.step, in_axes=(0, 0, 0, None))(subs, states, actions, params)
        unlimited = params.replace(max_timesteps=_NEVER)
        died = jax.vmap(env.is_terminal, in_axes=(0, None))(st_s, unlimited)
        terminated = step_now & done & died
        truncated = step_now & done & ~died
        out = {
            "reward": jnp.where(step_now, reward, jnp.zeros_like(reward)),
            "terminated": terminated,
            "truncated": truncated,
            "info": info,
            "achievements": st_s.achievements,
        }
        new_keys = jnp.where(step_now[:, None], next_keys, keys)
        return new_keys, per_env(step_now, st_s, states), per_env(step_now, obs_s, obs), out

    def _reset_some(self, keys, states, obs, index, params):  # noqa: ANN001
        """Resets the envs at ``index`` (a few of the N: world generation is the costly part of Craftax,
        so it runs for those envs only) and writes them into the batch. ``index`` may repeat an env:
        the repeats compute the same reset from the same key and write the same values."""
        import jax

        split = jax.vmap(jax.random.split)(keys[index])
        obs_r, st_r = jax.vmap(self.env.reset, in_axes=(0, None))(split[:, 1], params)
        new_states = jax.tree.map(lambda whole, part: whole.at[index].set(part), states, st_r)
        return keys.at[index].set(split[:, 0]), new_states, obs.at[index].set(obs_r)


# Resets run in calls of FEW envs (padded), for the envs that reset only: world generation is Craftax's
# costly part, so an autoreset of one env of 1,024 must not regenerate 1,024 worlds. FEW is also what keeps
# resets bit-identical to Craftax's own unbatched env.reset: XLA's CPU code for a vmapped world generation
# gives other bits in lanes 8 and up (measured with jax 0.10.2 on x86-64; the step has no such lanes).
FEW = 8


def reset_calls(mask: np.ndarray) -> list[np.ndarray]:
    """The index arrays of the reset calls for the envs in ``mask``, each of length ``min(FEW, N)``,
    padded by repeating an env of the call (a repeat computes the same reset from the same key and
    writes the same values)."""
    index = np.flatnonzero(mask).astype(np.int32)
    few = min(FEW, mask.size)
    calls = []
    for start in range(0, index.size, few):
        part = index[start:start + few]
        calls.append(np.concatenate([part, np.full(few - part.size, part[0], dtype=np.int32)]))
    return calls


@functools.lru_cache(maxsize=None)
def kernels(classic: bool, symbolic: bool) -> _Kernels:
    """The cached kernels of one variant (jax caches their compilations per batch shape)."""
    return _Kernels(classic, symbolic)


def _masked(values: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, Any]:
    """Gymnasium's vector info layout for per-env values that only envs in ``mask`` report."""
    out: dict[str, Any] = {}
    if not mask.any():
        return out
    everywhere = bool(mask.all())
    for key, value in values.items():
        if isinstance(value, dict):
            out[key] = _masked(value, mask)
        else:
            out[key] = value if everywhere else np.where(mask.reshape((-1,) + (1,) * (value.ndim - 1)), value, 0).astype(value.dtype)
        out[f"_{key}"] = mask.copy()
    return out


class CraftaxVectorEnv(VectorEnv):
    """N Craftax envs stepped by one vectorized JAX call (see the module docstring for the contract)."""

    def __init__(
        self,
        num_envs: int = 1,
        *,
        classic: bool = True,
        symbolic: bool = True,
        max_episode_steps: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None:
            raise ValueError(
                f"Craftax sessions do not render (render_mode={render_mode!r}); the Pixels ids' "
                "observations are the frames"
            )
        self._k = kernels(bool(classic), bool(symbolic))
        import jax.numpy as jnp

        self._jnp = jnp
        self.num_envs = int(num_envs)
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self.metadata = {"autoreset_mode": self.autoreset_mode, "render_modes": []}
        self.render_mode = None
        self.single_observation_space = spaces.Box(0.0, 1.0, self._k.obs_shape, np.float32)
        self.single_action_space = spaces.Discrete(self._k.num_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.params = self._k.params
        if max_episode_steps:
            self.params = self.params.replace(max_timesteps=int(max_episode_steps))
        self._keys: Any = None
        self._states: Any = None
        self._obs: Any = None
        self._autoreset = np.zeros(self.num_envs, dtype=np.bool_)

    def _reset_envs(self, mask: np.ndarray) -> None:
        for index in reset_calls(mask):
            self._keys, self._states, self._obs = self._k.reset_some(
                self._keys, self._states, self._obs, self._jnp.asarray(index), self.params
            )

    def _compile(self) -> None:
        """Compiles the step of this shape now (the kernel is a pure function: its result is dropped), so
        no step pays a compile -- or a client's step deadline; the first reset compiled the reset."""
        n, jnp = self.num_envs, self._jnp
        self._k.step(self._keys, self._states, self._obs, jnp.zeros(n, jnp.int32), jnp.zeros(n, bool), self.params)

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None):
        mask = np.ones(self.num_envs, dtype=np.bool_)
        if options and options.get("reset_mask") is not None:
            mask = np.asarray(options["reset_mask"], dtype=np.bool_)
            if mask.shape != (self.num_envs,):
                raise ValueError(f"reset_mask must have shape ({self.num_envs},), got {mask.shape}")
        if self._keys is None and not mask.all():
            raise RuntimeError("the first reset of a Craftax vector env must reset every env")
        if seed is None and self._keys is None:
            seed = int(np.random.SeedSequence().entropy % 2**31)
        if seed is not None:
            seeds = [seed + i for i in range(self.num_envs)] if isinstance(seed, (int, np.integer)) else list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"{len(seeds)} seeds for {self.num_envs} envs")
            fresh = seed_keys(seeds)
            keys = fresh if self._keys is None else np.where(mask[:, None], fresh, np.asarray(self._keys))
            self._keys = self._jnp.asarray(keys)
        first = self._states is None
        if first:
            # Shapes for the kernels; every env is reset in this very call.
            k, p = self._k, self.params
            import jax

            self._obs, self._states = jax.eval_shape(jax.vmap(k.env.reset, in_axes=(0, None)), self._keys, p)
            self._obs = self._jnp.zeros(self._obs.shape, self._obs.dtype)
            self._states = jax.tree.map(lambda s: self._jnp.zeros(s.shape, s.dtype), self._states)
        self._reset_envs(mask)
        if first:
            self._compile()
        self._autoreset[mask] = False
        return np.asarray(self._obs), {}

    def step(self, actions: Any):
        if self._keys is None:
            raise RuntimeError("call reset() before step()")
        actions = np.asarray(actions).reshape(self.num_envs)
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            reset_now = self._autoreset
        else:
            reset_now = np.zeros(self.num_envs, dtype=np.bool_)
        step_now = ~reset_now
        jnp = self._jnp
        self._keys, self._states, self._obs, out = self._k.step(
            self._keys, self._states, self._obs, jnp.asarray(actions, dtype=jnp.int32), jnp.asarray(step_now), self.params
        )
        self._reset_envs(reset_now)
        terminated = np.asarray(out["terminated"])
        truncated = np.asarray(out["truncated"])
        ended = terminated | truncated
        step_info = {k: np.asarray(v) for k, v in out["info"].items()}
        achievements = np.asarray(out["achievements"]).astype(np.int64)
        step_info["achievements"] = {name: achievements[:, i] for i, name in self._k.achievements}
        if self.autoreset_mode == AutoresetMode.SAME_STEP and ended.any():
            stepped = np.asarray(self._obs)
            self._reset_envs(ended)
            infos = _masked(step_info, step_now & ~ended)
            final_obs = np.full(self.num_envs, None, dtype=object)
            for i in np.flatnonzero(ended):
                final_obs[i] = stepped[i]
            infos["final_obs"], infos["_final_obs"] = final_obs, ended.copy()
            infos["final_info"], infos["_final_info"] = _masked(step_info, ended), ended.copy()
        else:
            infos = _masked(step_info, step_now)
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._autoreset = ended
        return np.asarray(self._obs), np.asarray(out["reward"]), terminated, truncated, infos

    def close_extras(self, **kwargs: Any) -> None:
        self._keys = self._states = self._obs = None


class CraftaxEnv(gym.Env[np.ndarray, np.int64]):
    """One Craftax env (``gymnasium.make``; the bridge's async/workers modes): a CraftaxVectorEnv of
    one env with autoreset disabled, so ``reset(seed=s)`` uses ``PRNGKey(s)``. Sessions in the
    default sync mode use :class:`CraftaxVectorEnv` directly."""

    metadata = {"render_modes": []}

    def __init__(self, classic: bool = True, symbolic: bool = True, render_mode: str | None = None) -> None:
        _check_installed()
        if render_mode is not None:
            raise ValueError(f"Craftax envs do not render (render_mode={render_mode!r})")
        self._variant = (bool(classic), bool(symbolic))
        shape, num_actions = SPACES[self._variant]
        self.observation_space = spaces.Box(0.0, 1.0, shape, np.float32)
        self.action_space = spaces.Discrete(num_actions)
        self._vec: CraftaxVectorEnv | None = None  # made (jax imported) on the first reset

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if self._vec is None:
            classic, symbolic = self._variant
            self._vec = CraftaxVectorEnv(1, classic=classic, symbolic=symbolic, autoreset_mode=AutoresetMode.DISABLED)
        obs, _ = self._vec.reset(seed=seed)
        return obs[0], {}

    def step(self, action: Any):
        if self._vec is None:
            raise RuntimeError("call reset() before step()")
        obs, reward, terminated, truncated, infos = self._vec.step(np.asarray([action]))

        def first(d: dict[str, Any]) -> dict[str, Any]:
            return {k: first(v) if isinstance(v, dict) else v[0] for k, v in d.items() if not k.startswith("_")}

        return obs[0], float(reward[0]), bool(terminated[0]), bool(truncated[0]), first(infos)


def register() -> None:
    """Register the Craftax ids (idempotent); making one without craftax says what to install."""
    for env_id, (classic, symbolic, length) in IDS.items():
        if env_id not in gym.registry:
            gym.register(
                id=env_id,
                entry_point=ENTRY_POINT,
                vector_entry_point=VECTOR_ENTRY_POINT,
                kwargs={"classic": classic, "symbolic": symbolic},
                max_episode_steps=length,
                disable_env_checker=True,
            )
