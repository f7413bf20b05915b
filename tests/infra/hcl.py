"""Read our Terraform as data (python-hcl2) and follow simple references through module calls.

The resolver understands exactly the wiring our modules use for anything per-service:
`local.x`, `var.x`, `each.key`, `each.value.a.b` and `module.topology.<output>`. A `for_each` it
cannot follow is an error, not a silent pass: keeping per-service wiring that simple is the point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
_REF = re.compile(r"^\$\{([A-Za-z_][\w-]*(?:\.[\w-]+|\[\"[^\"]+\"\])*)\}$")


class Unresolvable(Exception):
    """An expression the static resolver does not follow."""


def parse(src: str) -> dict[str, Any]:
    options = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    return hcl2.loads(src, serialization_options=options)  # type: ignore[no-any-return]


@dataclass
class Module:
    """Every block of one Terraform directory, keyed the way Terraform addresses them."""

    path: Path
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # "type.name" -> body
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    terraform: list[dict[str, Any]] = field(default_factory=list)

    def resource(self, address: str) -> dict[str, Any]:
        try:
            return self.resources[address]
        except KeyError:
            raise AssertionError(f"{self.path.relative_to(self.path.parents[2])}: no resource {address}") from None


@cache
def load_module(path: Path) -> Module:
    module = Module(path)
    for tf in sorted(path.glob("*.tf")):
        doc = parse(tf.read_text())
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        target[f"{rtype}.{name}"] = body
        for block in doc.get("module", []):
            module.modules.update(block)
        for block in doc.get("variable", []):
            module.variables.update(block)
        for block in doc.get("output", []):
            module.outputs.update(block)
        for block in doc.get("locals", []):
            module.locals.update(block)
        module.terraform.extend(doc.get("terraform", []))
    return module


def reference(expr: Any) -> list[str] | None:
    """`${a.b["c"].d}` -> ["a", "b", "c", "d"]; None when expr is not a plain reference."""
    if not isinstance(expr, str):
        return None
    match = _REF.match(expr)
    if not match:
        return None
    return [part.strip('"[]') for part in re.findall(r"[\w-]+|\[\"[^\"]+\"\]", match.group(1))]


@dataclass
class Scope:
    """Where an expression is evaluated: a module, its caller's arguments, and `each`."""

    module: Module
    topology: dict[str, Any]
    arguments: dict[str, Any] = field(default_factory=dict)  # var name -> caller expression
    caller: Scope | None = None
    each_key: str | None = None
    each_value: Any = None

    def resolve(self, expr: Any) -> Any:
        parts = reference(expr)
        if parts is None:
            if isinstance(expr, str) and "${" in expr:
                raise Unresolvable(f"{self.module.path.name}: {expr}")
            return expr
        head, rest = parts[0], parts[1:]
        if head == "each" and rest[:1] == ["key"]:
            return self.each_key
        if head == "each" and rest[:1] == ["value"]:
            return _walk(self.each_value, rest[1:], expr)
        if head == "local":
            return _walk(self.resolve(self.module.locals[rest[0]]), rest[1:], expr)
        if head == "var":
            if rest[0] in self.arguments and self.caller is not None:
                return _walk(self.caller.resolve(self.arguments[rest[0]]), rest[1:], expr)
            default = self.module.variables.get(rest[0], {}).get("default")
            return _walk(default, rest[1:], expr)
        if head == "module" and rest[:1] == ["topology"]:
            return _walk(self.topology[rest[1]], rest[2:], expr)
        raise Unresolvable(f"{self.module.path.name}: {expr}")


def _walk(value: Any, path: list[str], expr: str) -> Any:
    for part in path:
        if not isinstance(value, dict) or part not in value:
            raise Unresolvable(f"{expr}: no {part!r}")
        value = value[part]
    return value


@dataclass
class Instance:
    """One resource instance Terraform would plan, with the scope to evaluate its arguments."""

    address: str
    body: dict[str, Any]
    scope: Scope


def instances(root: Path, topology: dict[str, Any]) -> dict[str, Instance]:
    """Every resource instance of `root` and its local modules, expanded over `for_each`.

    Resources with `count` (optional features) are listed once with `[*]`; their number is not
    per-service and the structure tests do not rely on it.
    """
    found: dict[str, Instance] = {}
    _expand(Scope(load_module(root), topology), "", found)
    return found


def _keys(scope: Scope, body: dict[str, Any], what: str) -> list[tuple[str | None, Any]]:
    if "for_each" not in body:
        return [(None, None)]
    value = scope.resolve(body["for_each"])
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return [(str(v), v) for v in value]
    raise Unresolvable(f"{what}: for_each is {type(value).__name__}")


def _expand(scope: Scope, prefix: str, found: dict[str, Instance]) -> None:
    for address, body in scope.module.resources.items():
        if "count" in body:
            found[f"{prefix}{address}[*]"] = Instance(f"{prefix}{address}[*]", body, scope)
            continue
        try:
            keys = _keys(scope, body, address)
        except Unresolvable:
            # A for_each over a computed collection (e.g. other resources): not per-service.
            found[f"{prefix}{address}[*]"] = Instance(f"{prefix}{address}[*]", body, scope)
            continue
        for key, value in keys:
            full = f"{prefix}{address}" if key is None else f'{prefix}{address}["{key}"]'
            found[full] = Instance(full, body, _with_each(scope, key, value))
    for name, call in scope.module.modules.items():
        source = call["source"]
        child = load_module((scope.module.path / source).resolve())
        arguments = {k: v for k, v in call.items() if k not in {"source", "for_each", "depends_on", "providers"}}
        for key, value in _keys(scope, call, f"module.{name}"):
            caller = _with_each(scope, key, value)
            label = f"module.{name}" if key is None else f'module.{name}["{key}"]'
            _expand(Scope(child, scope.topology, arguments, caller), f"{prefix}{label}.", found)


def _with_each(scope: Scope, key: str | None, value: Any) -> Scope:
    if key is None:
        return scope
    return Scope(scope.module, scope.topology, scope.arguments, scope.caller, key, value)
