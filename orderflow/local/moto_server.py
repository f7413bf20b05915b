"""moto's server with our fixes applied (orderflow/local/moto_patches): the local AWS endpoint.

Run as `python -m orderflow.local.moto_server -H 127.0.0.1 -p PORT [--threads N]`.

moto's own entry point serves through werkzeug's development server, which answers
`Connection: close` to every request (even over HTTP/1.1 with threads): every AWS call then pays a
new TCP connection, which AWS endpoints never make clients do. Here moto's WSGI application is
served by waitress instead, a maintained threaded WSGI server that keeps HTTP/1.1 connections
alive. Each SQS long poll holds one of its threads for its whole wait, so `--threads` must cover
every receiver of every worker at maximum scale (orderflow.local.emulator sizes it from the
topology). `--server werkzeug` keeps moto's own server, for benchmarks that compare the two;
`--without PATCH` leaves a patch module or one patch out (`--without sqs_index`,
`--without query_by_partition`), for the same reason.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from orderflow.local.moto_patches import ALL

DEFAULT_THREADS = 64


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m orderflow.local.moto_server", description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="waitress worker threads")
    parser.add_argument("--server", choices=("waitress", "werkzeug"), default="waitress")
    parser.add_argument(
        "--without", action="append", default=[], metavar="PATCH", help="a moto_patches module or patch to leave out"
    )
    return parser.parse_args(argv)


def _names(patch: Callable[[], None]) -> set[str]:
    return {patch.__module__.rsplit(".", 1)[-1], patch.__name__}


def apply_patches(without: list[str]) -> None:
    known = set().union(*(_names(patch) for patch in ALL))
    unknown = set(without) - known
    if unknown:
        raise SystemExit(f"--without: no patch {', '.join(sorted(unknown))} (have: {', '.join(sorted(known))})")
    for patch in ALL:
        if not _names(patch) & set(without):
            patch()


def serve_keep_alive(host: str, port: int, threads: int) -> None:
    import waitress  # noqa: PLC0415 - the emulator's dependency only, loaded after the patches
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: PLC0415

    app = DomainDispatcherApplication(create_backend_app)
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        # Every worker process keeps a pool of connections open, most of them idle between calls.
        connection_limit=max(1000, 4 * threads),
        asyncore_use_poll=True,  # select() stops at 1,024 descriptors
        backlog=2048,
        ident="moto",
        _quiet=True,
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    apply_patches(args.without)
    if args.server == "werkzeug":
        from moto.server import main as moto_main  # noqa: PLC0415 - after the patches

        moto_main(["-H", args.host, "-p", str(args.port)])
    else:
        serve_keep_alive(args.host, args.port, args.threads)


if __name__ == "__main__":
    main()
