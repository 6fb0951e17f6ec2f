"""The gymbridge/ Tuple-space and Text-space envs through the bridge, bit-identical to in-process."""
from __future__ import annotations

import gymnasium as gym
import pytest
from gymnasium.vector import AutoresetMode

from gymbridge_server.client import RemoteVectorEnv
from helpers import assert_same


@pytest.mark.parametrize("env_id", ["gymbridge/TupleSpace-v0", "gymbridge/TextSpace-v0"])
@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_trajectory_matches_in_process(server, env_id, mode):
    local = gym.make_vec(env_id, 3, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode})
    remote = RemoteVectorEnv(server.address, env_id, 3, autoreset_mode=mode)
    try:
        assert remote.single_observation_space == local.single_observation_space
        assert remote.single_action_space == local.single_action_space
        assert_same(local.reset(seed=7), remote.reset(seed=7))
        local.action_space.seed(3)
        ended = 0
        for _ in range(60):  # TextSpace-v0 ends by its 50-step limit at the latest
            actions = local.action_space.sample()
            l_out, r_out = local.step(actions), remote.step(actions)
            for x, y in zip(l_out, r_out):
                assert_same(x, y)
            ended += int(l_out[2].sum() + l_out[3].sum())
        assert ended > 0  # episodes ended (and reset) along the way
    finally:
        local.close()
        remote.close()
