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
import sys
from collections.abc import MutableMapping
from typing import Any

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


# ---------------------------------------------------------------------------------------------
# GL contexts on a multi-threaded server.
#
# gRPC runs each call on any pool thread: a MuJoCo env may render on thread A and be closed on
# thread B. Left alone, thread A keeps the (later destroyed) context current, and MuJoCo's
# MjrContext is freed by the garbage collector on whatever thread runs it, calling GL without its
# context -- a segfault that takes the whole server down (seen here: "pygame parachute ...
# Segmentation Fault" while an unrelated session was being made). So: every render call unbinds
# its context before the thread returns to the pool, and closing a session frees MuJoCo's GL
# objects with their own context current, on the closing thread, before the env closes.


def release_current_gl_context() -> None:
    """Unbind the GL context this thread made current (cheap; no-op when none / no MuJoCo GL)."""
    backend = os.environ.get("MUJOCO_GL")
    try:
        if backend == "osmesa":
            osmesa_mod = sys.modules.get("mujoco.osmesa")
            if osmesa_mod is None:
                return
            if osmesa_mod.osmesa.OSMesaGetCurrentContext():
                osmesa_mod.osmesa.OSMesaMakeCurrent(None, None, osmesa_mod.GL.GL_FLOAT, 0, 0)
            osmesa_mod._current_context.ref = None
        elif backend == "egl":
            egl_mod = sys.modules.get("mujoco.egl")
            if egl_mod is None or egl_mod.EGL_DISPLAY is None:
                return
            egl = egl_mod.EGL
            egl.eglMakeCurrent(egl_mod.EGL_DISPLAY, egl.EGL_NO_SURFACE, egl.EGL_NO_SURFACE, egl.EGL_NO_CONTEXT)
    except Exception:  # noqa: BLE001 -- unbinding is hygiene; never fail the call for it
        log.debug("releasing the GL context failed", exc_info=True)


def render_vector(vector_env: Any) -> Any:
    """``vector_env.render()``, with each in-process MuJoCo env's own GL context current while it renders.

    Gymnasium's offscreen viewer makes its context current only when it is created; it renders into
    whatever context the thread has current. Every render here unbinds its context afterwards (see
    above), and the envs of a vector env each have their own: so, before each env renders, its own
    context is made current. Without this only the first frame after a viewer is created has a
    picture; the later ones read back an unbound (black) buffer.
    """
    envs = getattr(vector_env, "envs", None)
    if not envs or os.environ.get("MUJOCO_GL") not in ("osmesa", "egl"):
        return vector_env.render()
    frames = []
    for env in envs:
        renderer = getattr(env.unwrapped, "mujoco_renderer", None)
        viewer = (getattr(renderer, "_viewers", None) or {}).get(getattr(env.unwrapped, "render_mode", None))
        context = getattr(viewer, "opengl_context", None)
        if context is not None and getattr(context, "_context", True):
            context.make_current()
        frames.append(env.render())
    return tuple(frames)


def free_gl_resources(vector_env: object) -> None:
    """Free the MuJoCo GL objects of a vector env's envs with their context current, then unbind.

    Call on the closing thread right before ``env.close()`` (which then destroys the contexts).
    Envs in worker processes (no ``envs`` attribute here) render and close in their own process.
    """
    for env in getattr(vector_env, "envs", None) or ():
        try:
            renderer = getattr(env.unwrapped, "mujoco_renderer", None)
            for viewer in list((getattr(renderer, "_viewers", None) or {}).values()):
                context = getattr(viewer, "opengl_context", None)
                mjr = getattr(viewer, "con", None)
                if context is not None and mjr is not None and getattr(context, "_context", None):
                    context.make_current()
                    mjr.free()
        except Exception:  # noqa: BLE001 -- closing must go on; the env's own close still runs
            log.debug("freeing MuJoCo GL resources failed", exc_info=True)
        finally:
            release_current_gl_context()
