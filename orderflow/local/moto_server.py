"""moto's server with our fixes applied (orderflow/local/moto_patches): the local AWS endpoint.

Run as `python -m orderflow.local.moto_server -H 127.0.0.1 -p PORT` (moto.server's arguments).
"""

from __future__ import annotations

import sys

from orderflow.local.moto_patches import apply_all


def main(argv: list[str] | None = None) -> None:
    apply_all()
    from moto.server import main as moto_main  # noqa: PLC0415 - after the patches

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
