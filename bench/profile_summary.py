"""Summarise py-spy's raw (collapsed) stacks: where the consumer's CPU goes, inclusive and by area."""

from __future__ import annotations

import re
import sys
from collections import Counter

AREAS = [
    ("logging (structlog)", re.compile(r"structlog|observability\.py")),
    ("validation (pydantic)", re.compile(r"pydantic|contracts/")),
    ("JSON", re.compile(r"orjson|json/")),
    ("botocore serialise", re.compile(r"botocore/(serialize|validate)")),
    ("botocore parse", re.compile(r"botocore/parsers|aiobotocore/parsers")),
    ("botocore signing", re.compile(r"botocore/(auth|signers)|aiobotocore/signers")),
    ("botocore endpoint/hooks", re.compile(r"botocore/(endpoint|hooks|regions|endpoint_provider|handlers)")),
    ("HTTP (aiohttp)", re.compile(r"aiohttp|aiobotocore/(httpsession|_endpoint_helpers|endpoint)")),
    ("asyncio", re.compile(r"asyncio/")),
]


def main(path: str, top: int = 35) -> None:
    inclusive: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    with open(path) as lines_in:
        lines = lines_in.readlines()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += n
        leaf = ";".join(frames)
        for name, pattern in AREAS:
            if pattern.search(leaf.split(";")[-1]) or (name != "asyncio" and pattern.search(leaf)):
                areas[name] += n
                break
        else:
            areas["other"] += n
    print(f"{total} samples")
    print("-- inclusive (share of samples) --")
    for frame, n in inclusive.most_common(top):
        print(f"{n / total:6.1%}  {frame[:150]}")
    print("-- by first matching area (outermost rule wins) --")
    for name, n in areas.most_common():
        print(f"{n / total:6.1%}  {name}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 35)
