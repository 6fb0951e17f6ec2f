"""Registrations: ``gymbridge-server --env-module gymbridge_gridworld.envs`` imports this module.

Importing it is all the server does, so this is the one place that names the team's env ids.
"""
import gymnasium as gym

if "gridworld/GridWorld-v0" not in gym.registry:
    gym.register(
        id="gridworld/GridWorld-v0",
        entry_point="gymbridge_gridworld.gridworld:GridWorldEnv",
        max_episode_steps=100,
    )
