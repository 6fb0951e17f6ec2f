"""What ListEnvs reports with ``with_spaces``: every id's spaces, render modes, or why it is unavailable.

Each id is made once (``gymnasium.make(env_id)`` with its registered defaults), described and
closed; the description is cached per id for the life of the server, so only the first listing
pays (well under a second for Gymnasium's ~90 ids here). An id that cannot be made -- a missing
dependency, an env that needs arguments, a constructor that raises -- is reported with the reason
in ``unavailable`` and never fails the listing.

Optional adapters (Crafter, MineRL) whose package is missing are not registered with Gymnasium;
they call :func:`note_unavailable` so the listing still shows their ids with the install command.
"""
from __future__ import annotations

import logging
import threading
import traceback
import warnings
from dataclasses import dataclass, field

import gymnasium as gym

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnvDescription:
    """One id as ListEnvs(with_spaces) shows it."""

    env_id: str
    entry_point: str
    max_episode_steps: int
    observation_space: gym.Space | None = None
    action_space: gym.Space | None = None
    render_modes: list[str] = field(default_factory=list)
    unavailable: str = ""


_cache: dict[str, EnvDescription] = {}
_cache_lock = threading.Lock()
# Ids of optional adapters whose package is missing: id -> (entry point text, reason).
_unavailable: dict[str, tuple[str, str]] = {}


def note_unavailable(env_id: str, entry_point: str, reason: str) -> None:
    """Show ``env_id`` in ListEnvs(with_spaces) as unavailable for ``reason`` (an adapter's hook)."""
    _unavailable[env_id] = (entry_point, reason)


def _entry_text(entry_point: object) -> str:
    if isinstance(entry_point, str):
        return entry_point
    return f"{getattr(entry_point, '__module__', '?')}:{getattr(entry_point, '__qualname__', repr(entry_point))}"


def _reason(e: BaseException) -> str:
    """The exception's message, one line, e.g. the pip command of a DependencyNotInstalled."""
    text = " ".join(traceback.format_exception_only(type(e), e)[-1].split())
    return text[:500]


def describe(env_id: str) -> EnvDescription:
    """The cached description of one registered id (makes the env on first use)."""
    with _cache_lock:
        cached = _cache.get(env_id)
    if cached is not None:
        return cached
    spec = gym.registry[env_id]
    base = dict(
        env_id=env_id,
        entry_point=_entry_text(spec.entry_point),
        max_episode_steps=int(spec.max_episode_steps or 0),
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecation notices of old versions, checker warnings
            env = gym.make(env_id)
        try:
            desc = EnvDescription(
                **base,
                observation_space=env.observation_space,
                action_space=env.action_space,
                render_modes=[str(m) for m in (env.metadata or {}).get("render_modes", [])],
            )
        finally:
            env.close()
    except Exception as e:  # noqa: BLE001 -- any failure makes only this id unavailable
        log.debug("ListEnvs: %s cannot be made: %s", env_id, e)
        desc = EnvDescription(**base, unavailable=_reason(e))
    with _cache_lock:
        _cache[env_id] = desc
    return desc


def describe_all(prefix: str = "") -> list[EnvDescription]:
    """Every registered id with a per-env entry point plus the noted unavailable ids, sorted."""
    out: dict[str, EnvDescription] = {}
    for env_id, spec in list(gym.registry.items()):
        if prefix and not env_id.startswith(prefix):
            continue
        if spec.entry_point is None:  # vector-only ids are not servable (see adapters.gymnasium)
            continue
        out[env_id] = describe(env_id)
    for env_id, (entry, reason) in _unavailable.items():
        if env_id not in out and (not prefix or env_id.startswith(prefix)):
            out[env_id] = EnvDescription(env_id=env_id, entry_point=entry, max_episode_steps=0, unavailable=reason)
    return [out[k] for k in sorted(out)]
