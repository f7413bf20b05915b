"""Run an orderflow process (`api`, `worker NAME`) with every AWS request counted client-side.

`python -m bench.instrument OUT.json api|worker NAME`: botocore handlers are registered on every
aiobotocore session the process creates (production code is untouched), counting requests per
operation, estimating billed units from the request and response (rules in bench/units.py), and
summing the time spent inside botocore calls. SIGUSR1 writes a snapshot to OUT.json; so does exit.
"""

from __future__ import annotations

import atexit
import json
import signal
import sys
import time
from collections import Counter
from typing import Any

from aiobotocore.session import AioSession

from bench.units import billed_units

COUNTS: Counter[str] = Counter()  # HTTP requests sent, by service.Operation (retries included)
UNITS: Counter[str] = Counter()  # billed units, by service.Operation
TOTALS = {"botocore_seconds": 0.0, "calls": 0}


def _on_send(event_name: str, **_: Any) -> None:
    _, service, operation = event_name.split(".", 2)
    COUNTS[f"{service}.{operation}"] += 1


def _before_call(context: dict[str, Any], **_: Any) -> None:
    context["bench_started"] = time.perf_counter()


def _after_call(model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    TOTALS["botocore_seconds"] += time.perf_counter() - context.get("bench_started", time.perf_counter())
    TOTALS["calls"] += 1
    service = model.service_model.endpoint_prefix
    for key, units in billed_units(service, model.name, context.get("bench_params", {}), parsed).items():
        UNITS[key] += units


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["bench_params"] = params


_real_init = AioSession.__init__


def _init(self: AioSession, *args: Any, **kwargs: Any) -> None:
    _real_init(self, *args, **kwargs)
    self.register("before-send", _on_send)
    self.register("before-call", _before_call)
    self.register("provide-client-params", _keep_params)
    self.register("after-call", _after_call)


def snapshot(path: str) -> None:
    data = {"requests": dict(COUNTS), "units": dict(UNITS), **TOTALS}
    with open(path, "w") as out:
        json.dump(data, out)


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    AioSession.__init__ = _init  # type: ignore[method-assign]
    atexit.register(snapshot, out)
    signal.signal(signal.SIGUSR1, lambda *_: snapshot(out))
    from orderflow.cli import app  # noqa: PLC0415 - after the hook is in place

    app(args=argv)


if __name__ == "__main__":
    main()
