"""An example custom env for gymbridge: ``gridworld/GridWorld-v0`` (registered by ``.envs``)."""
from gymbridge_gridworld.gridworld import GridWorldEnv

__all__ = ["GridWorldEnv"]
