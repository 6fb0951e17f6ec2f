"""Decodes spaces and values written by the Java client with the server's codec and checks them with
Gymnasium: the Java -> wire -> Python direction of every space kind.

Usage: python check_java_values.py DIR

DIR holds space.bin (a serialized gymbridge.v1.Space) and value-0.bin, value-1.bin, ... (serialized
gymbridge.v1.Value samples drawn in Java). Prints the space's canonical description (the format of
describe_spaces.py), then one line per value: "True" if gymbridge_server.codec decodes it and the
Gymnasium space contains it, else "False <reason>".
"""
import os
import sys

from gymbridge.v1 import tensor_pb2 as pb
from gymbridge_server import codec

sys.path.insert(0, os.path.dirname(__file__))
from describe_spaces import describe  # noqa: E402


def main() -> None:
    d = sys.argv[1]
    space_msg = pb.Space()
    with open(os.path.join(d, "space.bin"), "rb") as f:
        space_msg.ParseFromString(f.read())
    space = codec.decode_space(space_msg)
    print(describe(space))
    i = 0
    while os.path.exists(os.path.join(d, f"value-{i}.bin")):
        v = pb.Value()
        with open(os.path.join(d, f"value-{i}.bin"), "rb") as f:
            v.ParseFromString(f.read())
        try:
            x = codec.decode_value(space, v)
            print("True" if space.contains(x) else f"False not contained: {x!r}")
        except Exception as e:  # noqa: BLE001 -- report, do not stop: the Java test names the failure
            print(f"False {type(e).__name__}: {e}")
        i += 1


if __name__ == "__main__":
    main()
