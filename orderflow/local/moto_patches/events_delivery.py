"""EventBridge delivers to a target without rebuilding a JSONPath parser per path.

moto 5.2.5's `Rule.send_to_targets` runs every matched event through
`moto.events.utils.EventTemplateParser.parse` once per target, even a target without an
`InputTransformer` (then with its default template of eight paths: `$.id`, `$.detail`, ...). For
each path it calls `jsonpath_ng.ext.parse`, which builds a new `ExtendedJsonPathParser` — a PLY
lexer and an LALR parser whose tables are read and checked every time — ≈ 275 µs of CPU per path,
so ≈ 2.2 ms per event per target, inside `PutEvents` (delivery is synchronous). Profiled under B3
it was ≈ 13 % of the emulator's samples.

A parsed `JSONPath` is an immutable tree (`find` reads it, never changes it) and depends only on
the path string, so the fix memoises `jsonpath_ng.ext.parse` by its arguments (bounded). What is
delivered is unchanged, byte for byte. Proof: tests/integration/test_emulator_cpu.py.
"""

from __future__ import annotations

import functools
from typing import Any

PATHS_REMEMBERED = 1024


def parse_each_json_path_once() -> None:
    """`jsonpath_ng.ext.parse` (read by moto at call time) answers repeated paths from a cache."""
    import jsonpath_ng.ext  # noqa: PLC0415 - moto's dependency, emulator process only

    parse = jsonpath_ng.ext.parse  # type: ignore[attr-defined]
    if getattr(parse, "cache_info", None) is not None:
        return  # applied already

    @functools.lru_cache(maxsize=PATHS_REMEMBERED)
    def cached(path: str, debug: Any = None) -> Any:
        return parse(path, debug)

    jsonpath_ng.ext.parse = cached  # type: ignore[attr-defined]


PATCHES = (parse_each_json_path_once,)
