"""Headless OpenGL for MuJoCo's ``rgb_array`` rendering on a server without a display.

MuJoCo picks its OpenGL backend from ``MUJOCO_GL`` when it is first imported (``glfw``, which
needs a display, by default). A server usually has no display, so when the operator set no
backend and no display exists the server chooses OSMesa (software rendering, Debian's
``libosmesa6``; ~50-100 ms per 480x480 frame on a CPU) -- ``PYOPENGL_PLATFORM=osmesa`` makes
PyOpenGL agree. An operator with a GPU sets ``MUJOCO_GL=egl`` themselves; it is kept.
"""
from __future__ import annotations

import ctypes.util
import logging
import os
from collections.abc import MutableMapping

log = logging.getLogger(__name__)

OSMESA_INSTALL = "apt-get install libosmesa6 (Debian/Ubuntu)"


def configure_headless_gl(environ: MutableMapping[str, str] = os.environ) -> str | None:
    """Set MUJOCO_GL/PYOPENGL_PLATFORM to osmesa when unset and headless; the backend chosen.

    Call before anything imports ``mujoco``. Returns the backend in effect, or None when a display
    exists and the operator chose nothing (MuJoCo's default then works).
    """
    chosen = environ.get("MUJOCO_GL")
    if chosen:
        return chosen
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    environ["MUJOCO_GL"] = "osmesa"
    environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    if ctypes.util.find_library("OSMesa") is None:
        log.warning(
            "no display and no libOSMesa: MuJoCo envs step, but render_mode='rgb_array' will fail; "
            "install it with %s, or set MUJOCO_GL=egl on a machine with a GPU",
            OSMESA_INSTALL,
        )
    return "osmesa"
