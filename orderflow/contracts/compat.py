"""Contract evolution rules: find the breaking changes between two exported schema folders.

The rules (docs/contracts.md says why): a change to `X.vN` must let the new schema accept every
event the old one accepted — consumers are rolled out first and then read both old and new
producers' events. Anything else needs a new `eventVersion` (a new `X.vN+1` file), and version N
may only be dropped once N+1 had been released before.

Hand-written rather than a JSON-Schema diff library: the ones on PyPI report every difference
(titles, descriptions, ordering), not which ones break an `extra="forbid"` consumer, and none
names our rules. This walks exactly the keywords pydantic emits for our contracts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Breach", "breaches", "compare_documents"]

Schema = Mapping[str, Any]
_EVENT_FILE = re.compile(r"^events/(?P<type>[A-Za-z]+)\.v(?P<version>\d+)\.json$")

# keyword -> True when a larger new value narrows what is accepted (minimum), False when a smaller one does.
_BOUNDS = {
    "minimum": True,
    "exclusiveMinimum": True,
    "minLength": True,
    "minItems": True,
    "maximum": False,
    "exclusiveMaximum": False,
    "maxLength": False,
    "maxItems": False,
}
_EXACT = ("type", "const", "format", "pattern")


@dataclass(frozen=True)
class Breach:
    """One breaking change: where, which rule, and what happened."""

    contract: str
    field: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.contract}: {self.field or '(document)'}: {self.rule}: {self.detail}"


def breaches(old: Mapping[str, Schema], new: Mapping[str, Schema]) -> list[Breach]:
    """Breaking changes from the `old` folder to the `new` one (relative path -> schema document)."""
    found: list[Breach] = []
    for path, old_doc in sorted(old.items()):
        name = path.removesuffix(".json").split("/", 1)[-1]
        if path in new:
            found += compare_documents(name, old_doc, new[path])
        elif (removal := _removal(path, old, new)) is not None:
            found.append(removal)
    return found


def _removal(path: str, old: Mapping[str, Schema], new: Mapping[str, Schema]) -> Breach | None:
    """Dropping X.vN is allowed once X.vN+1 was already released (it is in `old` too)."""
    match = _EVENT_FILE.match(path)
    name = path.removesuffix(".json").split("/", 1)[-1]
    if match is None:
        return Breach(name, "", "removed contract", f"{path} is gone; API bodies cannot be removed")
    successor = f"events/{match['type']}.v{int(match['version']) + 1}.json"
    if successor in old and successor in new:
        return None
    return Breach(
        name,
        "",
        "version dropped without overlap",
        f"consumers must accept v{match['version']} for one release after v{int(match['version']) + 1} ships",
    )


def compare_documents(contract: str, old: Schema, new: Schema) -> list[Breach]:
    """Every place where `new` rejects something `old` accepted."""
    walker = _Walker(contract, old.get("$defs", {}), new.get("$defs", {}))
    return list(walker.compare("", old, new))


@dataclass(frozen=True)
class _Walker:
    contract: str
    old_defs: Mapping[str, Schema]
    new_defs: Mapping[str, Schema]

    def _resolve(self, schema: Schema, defs: Mapping[str, Schema]) -> Schema:
        seen = 0
        while "$ref" in schema and seen < 32:  # our refs are local: "#/$defs/Name"
            schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
            seen += 1
        return schema

    def _breach(self, field: str, rule: str, detail: str) -> Breach:
        return Breach(self.contract, field, rule, detail)

    def compare(self, field: str, old: Schema, new: Schema) -> Iterator[Breach]:
        old, new = self._resolve(old, self.old_defs), self._resolve(new, self.new_defs)
        if "anyOf" in old or "anyOf" in new:
            yield from self._compare_unions(field, old, new)
            return
        yield from self._compare_exact(field, old, new)
        yield from self._compare_bounds(field, old, new)
        yield from self._compare_enum(field, old, new)
        if "properties" in old or "properties" in new:
            yield from self._compare_object(field, old, new)
        if "items" in old and "items" in new:
            yield from self.compare(f"{field}[]", old["items"], new["items"])
        if "prefixItems" in old and "prefixItems" in new:
            for index, (a, b) in enumerate(zip(old["prefixItems"], new["prefixItems"], strict=False)):
                yield from self.compare(f"{field}[{index}]", a, b)

    def _compare_exact(self, field: str, old: Schema, new: Schema) -> Iterator[Breach]:
        for keyword in _EXACT:
            if keyword in new and new.get(keyword) != old.get(keyword):
                rule = "changed type" if keyword in ("type", "const", "format") else "narrowed constraint"
                yield self._breach(field, rule, f"{keyword} {old.get(keyword)!r} -> {new[keyword]!r}")

    def _compare_bounds(self, field: str, old: Schema, new: Schema) -> Iterator[Breach]:
        for keyword, larger_narrows in _BOUNDS.items():
            if keyword not in new:
                continue
            before, after = old.get(keyword), new[keyword]
            narrowed = before is None or (after > before if larger_narrows else after < before)
            if narrowed:
                yield self._breach(field, "narrowed constraint", f"{keyword} {before!r} -> {after!r}")

    def _compare_enum(self, field: str, old: Schema, new: Schema) -> Iterator[Breach]:
        if "enum" not in new:
            return
        dropped = [value for value in old.get("enum", []) if value not in new["enum"]]
        if "enum" not in old or dropped:
            yield self._breach(field, "narrowed constraint", f"enum no longer accepts {dropped or 'every value'}")

    def _compare_object(self, field: str, old: Schema, new: Schema) -> Iterator[Breach]:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        prefix = f"{field}." if field else ""
        for name, schema in old_props.items():
            if name not in new_props:
                if new.get("additionalProperties", True) is False:
                    yield self._breach(prefix + name, "removed field", "an event carrying it is now rejected")
            else:
                yield from self.compare(prefix + name, schema, new_props[name])
        for name in sorted(new_required - old_required):
            rule = "made required" if name in old_props else "new required field"
            yield self._breach(prefix + name, rule, "an event without it is now rejected")

    def _compare_unions(self, field: str, old: Schema, new: Schema) -> Iterator[Breach]:
        """Each old branch must still be accepted by a new branch of the same kind."""
        old_branches = [self._resolve(b, self.old_defs) for b in old.get("anyOf", [old])]
        new_branches = [self._resolve(b, self.new_defs) for b in new.get("anyOf", [new])]
        for branch in old_branches:
            kind = _kind(branch)
            twin = next((b for b in new_branches if _kind(b) == kind), None)
            if twin is None:
                yield self._breach(field, "changed type", f"no longer accepts {kind}")
            else:
                yield from self.compare(field, branch, twin)


def _kind(schema: Schema) -> str:
    """What a union branch accepts, coarsely: its type, const, or the object it describes."""
    if "const" in schema:
        return f"const {schema['const']!r}"
    return str(schema.get("type") or schema.get("title") or "any")
