#!/usr/bin/env python3
"""Check the MineRL adapter and the pixel-agent mapping against a REAL minerl install (no Minecraft run).

Run it with a Python that imports both ``minerl`` (0.4.x, with its old ``gym``) and
``gymbridge_server``. It makes each MineRL env object -- which reads MineRL's own spaces and does
not start Minecraft (only ``reset()`` does) -- and checks, with MineRL's own classes:

1. the adapter's Gymnasium spaces of the real env equal those of the ``gymbridge/MineRL*Spaces-v0``
   fake that the test suite uses (so the tests test what a real install would serve);
2. the adapter's no-op equals MineRL's ``action_space.no_op()``;
3. every entry of ``MineRLDiscreteActions``' table, converted to MineRL's form, is in MineRL's own
   action space (``contains``) and equals MineRL's no-op with only the documented keys changed;
4. real MineRL observation samples convert into the adapter's observation space, and
   ``MineRLPovObservation`` passes their ``pov`` through bit-identical.

    PYTHONPATH=python-env-server/src python check_minerl_spaces.py [MineRL ids...]

Exit status 0 when every check passes; the output lists each check.
"""
from __future__ import annotations

import sys

import numpy as np

DEFAULT_IDS = ("MineRLTreechop-v0", "MineRLNavigateDense-v0")


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return np.asarray(a).dtype.kind == np.asarray(b).dtype.kind and np.array_equal(np.asarray(a), np.asarray(b))


def check(minerl_id: str) -> list[str]:
    import gym as old_gym  # minerl's own (old) gym
    import minerl  # noqa: F401 -- registers the MineRL ids

    from gymbridge_server.adapters import minerl as adapter
    from gymbridge_server.envs import minerl_fakes

    failures: list[str] = []

    def expect(ok: bool, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            failures.append(f"{minerl_id}: {what}")

    print(f"{minerl_id}:")
    real = old_gym.make(minerl_id)  # builds the env spec's spaces; Minecraft starts only on reset()
    env = adapter.MineRLEnv(real, minerl_id)
    real_act = real.action_space
    print(f"  MineRL observation space: {real.observation_space}")
    print(f"  MineRL action space:      {real_act}")
    print(f"  adapter observation space: {env.observation_space}")
    print(f"  adapter action space:      {env.action_space}")
    if minerl_id in minerl_fakes.FAKE_IDS.values():
        fake = minerl_fakes.make_spaces_fake(minerl_id)
        expect(env.observation_space == fake.observation_space, "observation space == the spaces fake's")
        expect(env.action_space == fake.action_space, "action space == the spaces fake's")
        expect(env.enum_values() == fake.enum_values(), f"Enum values {env.enum_values()} == the fake's")
    noop = adapter.action_to_minerl(real_act, env.noop_action())
    expect(_same(dict(noop), dict(real_act.no_op())), f"adapter no-op == MineRL's no_op() {dict(real_act.no_op())}")

    discrete = adapter.MineRLDiscreteActions(env)
    print(f"  MineRLDiscreteActions: {discrete.action_space}, {discrete.action_names}")
    enums = env.enum_values()
    for i, (name, keys) in enumerate(adapter.action_table(discrete.camera_step, "dirt" in enums.get("place", ()))):
        sent = adapter.action_to_minerl(real_act, discrete.action(i))
        want = dict(real_act.no_op())
        want.update({k: (np.asarray(v, dtype=np.float32) if k == "camera" else v) for k, v in keys.items()})
        expect(real_act.contains(sent) and _same(dict(sent), want), f"{i} {name}: {dict(keys)} is in MineRL's space and is no_op + those keys")

    pov_wrapper = adapter.MineRLPovObservation(env)
    for seed in range(3):
        real.observation_space.seed(seed)
        sample = real.observation_space.sample()
        obs = adapter.obs_to_gymnasium(real.observation_space, sample)
        frame = pov_wrapper.observation(obs)
        expect(env.observation_space.contains(obs) and frame.dtype == np.uint8
               and frame.tobytes() == np.asarray(sample["pov"]).tobytes(),
               f"MineRL observation sample {seed} converts into the space; pov {frame.shape} {frame.dtype} bit-identical")
    real.close()
    return failures


def main(argv: list[str]) -> int:
    try:
        import minerl

        print(f"minerl {getattr(minerl, '__version__', '?')} from {minerl.__file__}")
    except Exception as e:  # noqa: BLE001
        print(f"minerl does not import here ({e}); install it first (python-env-server/README.md, MineRL)")
        return 2
    failures = []
    for minerl_id in argv or DEFAULT_IDS:
        failures += check(minerl_id)
    print("all checks passed" if not failures else f"{len(failures)} checks FAILED:\n  " + "\n  ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
