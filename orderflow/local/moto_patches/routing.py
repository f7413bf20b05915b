"""Every request routed to its service without listing moto's package directory.

moto 5.2.5's server (`DomainDispatcherApplication.get_application`) finds the service of *every*
request by calling `get_backend_for_host`, which first asks `host in
backends.list_of_moto_modules()` — a generator that `os.listdir`s moto's package directory and
`stat`s each of its ~170 entries — then tries ~500 URL regular expressions in turn. That is
≈ 580 µs of CPU per request (profiled under B3: a third of the emulator's samples sat in or waited
for it), and it runs under the dispatcher's process-wide lock, so every concurrent request queues
behind one thread's file-system walk. The answer depends only on the host string (a service's
endpoint host, e.g. `sqs.us-east-1.amazonaws.com`, derived from the request's SigV4 scope), and
neither moto's package directory nor its URL patterns change while the server runs.

The fix remembers the answer per host (a bounded map: a client naming many made-up hosts costs
the old price past the bound, never memory).

Second defect, same path: `BaseResponse.call_action` lists its response class's methods with
`inspect.getmembers` (a `dir()`, a `getattr` and a check per attribute, ~300 of them) on every
request, to check that the action is one it implements. The class does not change while the server
runs (every patch is applied before it serves): the list is kept per class.

Proof: tests/integration/test_emulator_cpu.py (both fixes left out: `--without routing`).
"""

from __future__ import annotations

from typing import Any

HOSTS_REMEMBERED = 1024


def route_once_per_host() -> None:
    """`get_backend_for_host` answers from a per-host map after the first request for that host."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: PLC0415 - emulator process only

    resolve = DomainDispatcherApplication.get_backend_for_host

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        known: dict[str | None, Any] = self.__dict__.setdefault("_backend_by_host", {})
        if host in known:
            return known[host]
        backend = resolve(self, host)
        if len(known) < HOSTS_REMEMBERED:
            known[host] = backend  # called under the dispatcher's lock: no race
        return backend

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def list_actions_once_per_class() -> None:
    """`method_names_from_class`, as `moto.core.responses` calls it, answers from a per-class map."""
    from moto.core import responses  # noqa: PLC0415 - emulator process only

    list_methods = responses.method_names_from_class  # type: ignore[attr-defined]
    known: dict[object, list[str]] = {}

    def method_names_from_class(clazz: object) -> list[str]:
        names = known.get(clazz)
        if names is None:
            names = known[clazz] = list_methods(clazz)  # a race computes the same list twice
        return names

    responses.method_names_from_class = method_names_from_class  # type: ignore[attr-defined]


PATCHES = (route_once_per_host, list_actions_once_per_class)
