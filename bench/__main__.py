"""`python -m bench [b1 b2 b3 b4 ...]`: run the benchmarks and write docs/benchmarks.md.

B2 and B5 come from the same runs (`b2` runs both). `--report-only` rebuilds the document from the
raw results in .bench/ without running anything.
"""

from __future__ import annotations

import argparse
import sys

from bench import b1_consumers, b1_tracing, b2_b5_orders, b3_latency, b4_api, b6_console, b7_scaling, emulator
from bench.report import write_report

RUNNERS = {
    "emulator": emulator.main,
    "b1": b1_consumers.main,
    "b1-tracing": b1_tracing.main,
    "b2": b2_b5_orders.main,
    "b3": b3_latency.main,
    "b4": b4_api.main,
    "b6": b6_console.main,
    "b7": b7_scaling.main,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", nargs="*", help=f"any of {', '.join(RUNNERS)} (b2 also gives B5); default: all")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    which = [{"b5": "b2"}.get(w, w) for w in args.which] or list(RUNNERS)
    unknown = [w for w in which if w not in RUNNERS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    if not args.report_only:
        for name in dict.fromkeys(which):
            print(f"=== {name} ===", flush=True)
            RUNNERS[name]([])
    if args.report_only:  # no run: each section keeps the date, load and command of its own last run
        path = write_report("make bench-report (the document rebuilt from .bench/*.json and bench/findings.md)")
    else:
        path = write_report(f"`{' '.join(['python', '-m', 'bench', *sys.argv[1:]])}` (via `make bench`)")
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
