"""Check client-supplied keyword arguments against the Python signature they are meant for.

Env kwargs (MakeRequest.kwargs) and wrapper arguments arrive from another language, often typed
by hand in a URL. Checked here, before anything is made, a typo or a wrong type becomes an
INVALID_ARGUMENT that names what the constructor accepts -- instead of an error from deep inside
the env, or worse, silent misbehaviour (``is_slippery="false"`` is a truthy string).

Types come from the parameter's annotation (``bool``, ``int``, ``float``, ``str``, ``None``,
tuples/sequences, numpy arrays, unions of them) or, without one, from the type of its default (a
numeric default means any number: an unannotated ``x=0`` takes 0.01 too, as Python does).
Anything else is not checked. Lists become tuples or numpy arrays when the parameter wants those
(the wire has only lists).
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np


class ArgumentError(ValueError):
    """A keyword argument that the target does not accept, or of the wrong type."""

    reason = "BAD_KWARGS"


# gymnasium.make's own keywords (not passed to the env's constructor).
MAKE_KWARGS = {"max_episode_steps", "autoreset", "apply_api_compatibility", "disable_env_checker"}


def _alternatives(annotation: str) -> list[str]:
    """Top-level alternatives of an annotation string: 'int | tuple[int, int]' -> ['int', 'tuple[...]']."""
    out, depth, cur = [], 0, ""
    for ch in annotation:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "|" and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    if len(out) == 1 and out[0].startswith("Optional[") and out[0].endswith("]"):
        return [out[0][len("Optional["):-1].strip(), "None"]
    return out


_SCALARS: dict[str, Callable[[Any], bool]] = {
    "bool": lambda v: isinstance(v, (bool, np.bool_)),
    "int": lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)),
    "float": lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)),
    "str": lambda v: isinstance(v, str),
    "None": lambda v: v is None,
}


def _expected(param: inspect.Parameter) -> list[str] | None:
    """The accepted kinds of a parameter ('bool', 'int', 'tuple', 'ndarray', ...), None = unchecked."""
    ann = param.annotation
    if ann is not inspect.Parameter.empty:
        text = ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))
        kinds = []
        for alt in _alternatives(text.replace("typing.", "")):
            base = alt.split("[", 1)[0].strip()
            if base in _SCALARS:
                kinds.append(base)
            elif base in ("tuple", "Tuple", "Sequence", "list", "List"):
                kinds.append("tuple" if base in ("tuple", "Tuple") else "list")
            elif "ndarray" in base or base in ("np.floating", "np.integer", "SupportsFloat"):
                kinds.append("ndarray")
            else:
                return None  # a type we do not model (Any, a class, ObsType ...): accept anything
        return kinds or None
    default = param.default
    if default is inspect.Parameter.empty or default is None:
        return None
    if _SCALARS["bool"](default):  # before the numbers: True is an int
        return ["bool"]
    if _SCALARS["float"](default):
        # Unannotated, a default of 0 does not make the parameter an int: Gymnasium's own envs take
        # MountainCar's goal_velocity=0.01 although its default is 0. Any number ("float") is accepted.
        return ["float"]
    if _SCALARS["str"](default):
        return ["str", "None"]
    return None


def _describe(param: inspect.Parameter) -> str:
    kinds = _expected(param)
    text = param.name
    if kinds:
        text += ": " + " | ".join(kinds)
    if param.default is inspect.Parameter.empty:
        text += " (required)"
    else:
        text += f" = {param.default!r}"
    return text


def _convert(value: Any, kinds: list[str] | None) -> Any:
    """Lists as tuples / arrays when the parameter wants them (the wire has only lists)."""
    if kinds and isinstance(value, list):
        if "tuple" in kinds:
            return tuple(tuple(v) if isinstance(v, list) else v for v in value)
        if "ndarray" in kinds:
            return np.asarray(value)
    return value


def _fits(value: Any, kinds: list[str]) -> bool:
    for kind in kinds:
        if kind in _SCALARS and _SCALARS[kind](value):
            return True
        if kind in ("tuple", "list") and isinstance(value, (list, tuple)):
            return True
        if kind == "ndarray" and isinstance(value, (list, tuple, np.ndarray, int, float, np.number)) and not isinstance(value, bool):
            return True
    return False


def check_call(
    what: str, target: Callable[..., Any], kwargs: dict[str, Any], skip: int = 0, extra_names: set[str] = frozenset()
) -> dict[str, Any]:
    """``kwargs`` checked (and lists converted) against ``target``'s signature; ArgumentError otherwise.

    ``skip`` leading positional parameters are supplied by the bridge (a wrapper's ``env``).
    """
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return dict(kwargs)  # a builtin without a signature: let the call itself decide
    params = [
        p for p in list(sig.parameters.values())[skip:]
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    by_name = {p.name: p for p in params}
    open_kwargs = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
    accepted = ", ".join(_describe(p) for p in params) or "no arguments"
    out: dict[str, Any] = {}
    for name, value in kwargs.items():
        param = by_name.get(name)
        if param is None:
            if name in extra_names or open_kwargs:
                out[name] = value
                continue
            raise ArgumentError(f"{what} has no argument {name!r}; it accepts: {accepted}")
        kinds = _expected(param)
        if kinds and not _fits(value, kinds):
            raise ArgumentError(
                f"{what}: {name}={value!r} is a {type(value).__name__}, but {name} takes "
                f"{' | '.join(kinds)}; {what} accepts: {accepted}"
            )
        out[name] = _convert(value, kinds)
    return out


def required_missing(target: Callable[..., Any], kwargs: dict[str, Any], skip: int = 0) -> list[str]:
    """Required keyword-able parameters of ``target`` that ``kwargs`` lacks."""
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [
        p.name for p in list(sig.parameters.values())[skip:]
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        and p.default is inspect.Parameter.empty and p.name not in kwargs
    ]


def _entry_point(spec: gym.envs.registration.EnvSpec) -> Callable[..., Any] | None:
    ep = spec.entry_point
    if callable(ep):
        return ep
    if isinstance(ep, str) and ":" in ep:
        module, attr = ep.split(":", 1)
        try:
            return getattr(importlib.import_module(module), attr)
        except Exception:  # noqa: BLE001 -- not importable: making it reports why
            return None
    return None


def check_env_kwargs(env_id: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Env kwargs checked against the env's constructor (plus gymnasium.make's own keywords)."""
    spec = gym.registry.get(env_id)
    target = _entry_point(spec) if spec is not None else None
    if target is None or not kwargs:
        return dict(kwargs)
    return check_call(env_id, target, kwargs, extra_names=MAKE_KWARGS)
