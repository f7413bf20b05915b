"""B1 tracing variant: the B1 orderflow consumer with the process's tracer provider installed as
`orderflow worker` installs it (ORDERFLOW_TRACING_ENABLED says on or off; local JSONL exporter)."""

from __future__ import annotations

import sys

from bench.consumers import orderflow_worker
from orderflow.settings import Settings
from orderflow.tracing import configure_tracing
from workers.bootstrap import run_loop

if __name__ == "__main__":
    configure_tracing(Settings(local_mode=True), service="bench")
    run_loop(orderflow_worker.main(), Settings())
    sys.exit(0)
