"""Read our Terraform as data (python-hcl2) and follow simple references through module calls.

The resolver understands exactly the wiring our modules use for anything per-service:
`local.x`, `var.x`, `each.key`, `each.value.a.b` and `module.topology.<output>`. A `for_each` it
cannot follow is an error, not a silent pass: keeping per-service wiring that simple is the point.

`Scope.evaluate` goes one step further for the least-privilege tests: deep (lists, maps,
templates), through `merge`/`lookup`/`concat`, `[each.key]` and the outputs of our own modules,
with what only AWS knows kept as a symbol naming the resource it comes from:
`${module.customer_notifications.aws_sns_topic.this.arn}`. Anything else is Unresolvable.
"""

from __future__ import annotations

import contextlib
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
    address: str = ""  # of the module instance, as Terraform writes it: 'module.a["k"].' ("" at the root)

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

    def evaluate(self, expr: Any) -> Any:
        """`expr` with every reference followed (see the module docstring)."""
        if isinstance(expr, list):
            return [self.evaluate(item) for item in expr]
        if isinstance(expr, dict):
            return {key: self.evaluate(value) for key, value in expr.items()}
        if not isinstance(expr, str) or "${" not in expr:
            return expr
        if expr.startswith("${") and expr.endswith("}") and _balanced(expr[2:-1]):
            return self._expression(expr[2:-1].strip())
        return _INTERPOLATION.sub(lambda m: self._template_part(m.group(1).strip(), expr), expr)

    def _template_part(self, text: str, expr: str) -> str:
        value = self._expression(text)
        if not isinstance(value, str):
            raise Unresolvable(f"{self.module.path.name}: {expr}: {text} is not a string")
        return value

    def _expression(self, text: str) -> Any:
        if text in ("{}", "[]"):
            return {} if text == "{}" else []
        if re.fullmatch(r'"[^"$]*"', text):
            return text[1:-1]
        call = _CALL.match(text)
        if call and _balanced(call.group(2)):
            if call.group(1) == "try":  # the first argument that evaluates, as Terraform's try()
                for arg in _split_arguments(call.group(2)):
                    with contextlib.suppress(Unresolvable):
                        return self.evaluate("${" + arg + "}")
                raise Unresolvable(f"{self.module.path.name}: no argument of {text} evaluates")
            args = [self.evaluate("${" + arg + "}") for arg in _split_arguments(call.group(2))]
            return _call(call.group(1), args, text)
        if text.startswith("{") and text.endswith("}") and _balanced(text[1:-1]):  # an object literal
            pairs = (item.split("=", 1) for item in _split_arguments(text[1:-1].replace("\n", ",")) if item)
            return {key.strip().strip('"'): self.evaluate("${" + value.strip() + "}") for key, value in pairs}
        if splat := _SPLAT.fullmatch(text):
            return self._counted_module(splat.group(1), text)
        if self.each_key is not None:
            text = text.replace("[each.key]", f'["{self.each_key}"]')
        return self._reference(text)

    def _reference(self, text: str) -> Any:
        parts = reference("${" + text + "}")
        if parts is None:
            raise Unresolvable(f"{self.module.path.name}: {text}")
        head, rest = parts[0], parts[1:]
        if head == "each" and rest[:1] == ["key"]:
            return self.each_key
        if head == "each" and rest[:1] == ["value"]:
            return _walk(self.evaluate(self.each_value), rest[1:], text)
        if head == "local":
            return _walk(self.evaluate(self.module.locals[rest[0]]), rest[1:], text)
        if head == "var":
            if rest[0] in self.arguments and self.caller is not None:
                return _walk(self.caller.evaluate(self.arguments[rest[0]]), rest[1:], text)
            return _walk(self.module.variables.get(rest[0], {}).get("default"), rest[1:], text)
        if head == "module" and rest[:1] == ["topology"]:
            return _walk(self.topology[rest[1]], rest[2:], text)
        if head == "module" and rest[0] in self.module.modules:
            return self._module_output(rest[0], rest[1:], text)
        made_here = self.module.data if head == "data" else self.module.resources
        if ".".join(parts[1:3] if head == "data" else parts[:2]) in made_here:
            return "${" + self.address + text + "}"  # known only to AWS: a symbol naming its resource
        raise Unresolvable(f"{self.module.path.name}: {text}")

    def _counted_module(self, name: str, text: str) -> list[Any]:
        """`module.X[*]` of a module switched off by `count = var.V == null ? 0 : 1` with V unset:
        the empty list (a switched-on instance is known only to a plan, not to these tests)."""
        count = str(self.module.modules.get(name, {}).get("count", ""))
        switch = _NULL_SWITCH.fullmatch(count)
        if switch is None or self.resolve("${var." + switch.group(1) + "}") is not None:
            raise Unresolvable(f"{self.module.path.name}: {text}")
        return []

    def _module_output(self, name: str, rest: list[str], text: str) -> Any:
        call = self.module.modules[name]
        child = load_module((self.module.path / call["source"]).resolve())
        arguments = {k: v for k, v in call.items() if k not in {"source", "for_each", "depends_on", "providers"}}
        label, caller = f"module.{name}", self
        if "for_each" in call:
            key, rest = rest[0], rest[1:]
            values = dict(_keys(self, call, label))
            if key not in values:
                raise Unresolvable(f"{text}: module.{name} has no instance {key!r}")
            label, caller = f'{label}["{key}"]', _with_each(self, key, values[key])
        scope = Scope(child, self.topology, arguments, caller, address=f"{self.address}{label}.")
        if rest[0] not in child.outputs:
            raise Unresolvable(f"{text}: module.{name} has no output {rest[0]!r}")
        return _walk(scope.evaluate(child.outputs[rest[0]]["value"]), rest[1:], text)


_INTERPOLATION = re.compile(r"\$\{([^${}]+)\}")
_SPLAT = re.compile(r"module\.([a-z_]+)\[\*\]")
_NULL_SWITCH = re.compile(r"\$\{var\.([a-z_]+) == null \? 0 : 1\}")
_CALL = re.compile(r"^([a-z]+)\((.*)\)$", re.S)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _split_arguments(text: str) -> list[str]:
    args, depth, start, quoted = [], 0, 0, False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        elif not quoted and char == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    return [*args, text[start:].strip()] if text.strip() else args


def _call(name: str, args: list[Any], text: str) -> Any:
    if name == "one" and len(args) == 1 and isinstance(args[0], list) and len(args[0]) <= 1:
        return args[0][0] if args[0] else None
    if name == "merge" and all(isinstance(a, dict) for a in args):
        return {k: v for a in args for k, v in a.items()}
    if name == "lookup" and len(args) == 3 and isinstance(args[0], dict):
        return args[0].get(args[1], args[2])
    if name == "concat" and all(isinstance(a, list) for a in args):
        return [item for a in args for item in a]
    raise Unresolvable(f"{name}() in {text}")


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
            _expand(
                Scope(child, scope.topology, arguments, caller, address=f"{prefix}{label}."), f"{prefix}{label}.", found
            )


def _with_each(scope: Scope, key: str | None, value: Any) -> Scope:
    if key is None:
        return scope
    return Scope(scope.module, scope.topology, scope.arguments, scope.caller, key, value, scope.address)
