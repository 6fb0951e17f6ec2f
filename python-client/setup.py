"""Build hook: generate the gymbridge.v1 protobuf/gRPC stubs from ../proto before packaging.

The contract lives once, in <repo>/proto/gymbridge/v1/*.proto. The stubs are generated code and
are never committed: every build (pip install, wheel) regenerates them into src/gymbridge/v1 and
ships them in the wheel as the package ``gymbridge.v1`` (the generated code imports
``from gymbridge.v1 import tensor_pb2``, so the package name must match the proto package). The
server package (python-env-server) depends on this one for the stubs and the codec.
"""
from __future__ import annotations

import glob
import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.normpath(os.path.join(HERE, "..", "proto"))
PROTO_DIR = os.path.join(PROTO_ROOT, "gymbridge", "v1")
OUT_ROOT = os.path.join(HERE, "src")


MISSING_PROTO = (
    f"gymbridge: no .proto files found in {PROTO_DIR}. The client is built from the gymbridge "
    "repository checkout: run `pip install ./python-client` from the repository root (pip builds "
    "in-tree, so ../proto must be next to python-client)."
)
GENERATED = os.path.join(OUT_ROOT, "gymbridge", "v1", "env_pb2.py")


def generate_stubs() -> None:
    protos = sorted(glob.glob(os.path.join(PROTO_DIR, "*.proto")))
    if not protos:
        raise SystemExit(MISSING_PROTO)
    from grpc_tools import protoc  # build requirement (pyproject.toml [build-system])
    import grpc_tools

    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    out_dir = os.path.join(OUT_ROOT, "gymbridge", "v1")
    os.makedirs(out_dir, exist_ok=True)
    for stale in glob.glob(os.path.join(out_dir, "*_pb2*.py*")):  # stubs of removed protos
        os.remove(stale)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={OUT_ROOT}",
        f"--pyi_out={OUT_ROOT}",
        f"--grpc_python_out={OUT_ROOT}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit(f"gymbridge: protoc failed on {protos}")
    for pkg in ("gymbridge", os.path.join("gymbridge", "v1")):
        init = os.path.join(OUT_ROOT, pkg, "__init__.py")
        if not os.path.exists(init):
            with open(init, "w", encoding="utf-8") as f:
                f.write("# Generated package (see python-client/setup.py); not committed.\n")


class BuildPyWithStubs(build_py):
    def run(self) -> None:
        if os.path.isdir(PROTO_DIR):
            generate_stubs()
        super().run()


# Generate eagerly, before setuptools looks at the package list (egg_info runs first). Without
# the protos, only a tree whose stubs were generated before (an sdist) can still build.
if os.path.isdir(PROTO_DIR):
    generate_stubs()
elif not os.path.isfile(GENERATED):
    raise SystemExit(MISSING_PROTO)

setup(
    package_dir={"": "src"},
    packages=["gymbridge", "gymbridge.codec", "gymbridge.v1"],
    package_data={"gymbridge.v1": ["*.pyi"]},
    cmdclass={"build_py": BuildPyWithStubs},
)
