"""The evolution rules of docs/contracts.md, on real exported schemas mutated the way people change models."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from orderflow.contracts.compat import breaches, compare_documents
from orderflow.contracts.schemas import generated

SCHEMAS: dict[str, Any] = {path: orjson.loads(doc) for path, doc in generated().items()}
PLACED = "events/OrderPlaced.v1.json"


def order_placed() -> dict[str, Any]:
    return copy.deepcopy(SCHEMAS[PLACED])


def placed_data(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = doc["$defs"]["OrderPlacedData"]
    return data


def rules(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b.field, b.rule) for b in compare_documents("OrderPlaced.v1", old, new)]


def test_every_schema_is_compatible_with_itself() -> None:
    assert breaches(SCHEMAS, SCHEMAS) == []


def test_adding_an_optional_field_is_compatible() -> None:
    new = order_placed()
    placed_data(new)["properties"]["giftMessage"] = {"type": "string", "maxLength": 200}
    assert rules(order_placed(), new) == []


def test_removing_a_field_is_breaking_and_named() -> None:
    new = order_placed()
    del placed_data(new)["properties"]["paymentToken"]
    assert rules(order_placed(), new) == [("data.paymentToken", "removed field")]


def test_renaming_a_required_field_is_a_removal_and_a_new_required_field() -> None:
    new = order_placed()
    props = placed_data(new)["properties"]
    props["customerAddress"] = props.pop("customerEmail")
    required = placed_data(new)["required"]
    required[required.index("customerEmail")] = "customerAddress"
    assert sorted(rules(order_placed(), new)) == [
        ("data.customerAddress", "new required field"),
        ("data.customerEmail", "removed field"),
    ]


def test_making_an_optional_field_required_is_breaking() -> None:
    new = order_placed()
    placed_data(new)["required"].append("paymentToken")
    assert rules(order_placed(), new) == [("data.paymentToken", "made required")]


def test_changing_a_type_is_breaking() -> None:
    new = order_placed()
    placed_data(new)["properties"]["paymentToken"] = {"type": "integer"}
    assert ("data.paymentToken", "changed type") in rules(order_placed(), new)


def test_narrowing_a_nested_constraint_is_breaking() -> None:
    new = order_placed()
    line = new["$defs"]["OrderLine"]["properties"]["quantity"]
    line["maximum"] = 10
    assert rules(order_placed(), new) == [("data.items[].quantity", "narrowed constraint")]


def test_widening_a_constraint_is_compatible() -> None:
    new = order_placed()
    placed_data(new)["properties"]["paymentToken"]["maxLength"] = 128
    assert rules(order_placed(), new) == []


def test_dropping_null_from_an_optional_field_is_breaking() -> None:
    old = order_placed()
    new = order_placed()
    new["properties"]["causationId"] = {"type": "string", "format": "uuid"}
    assert ("causationId", "changed type") in rules(old, new)


def test_a_new_version_may_break_the_old_one_freely() -> None:
    v2 = order_placed()
    del placed_data(v2)["properties"]["paymentToken"]
    new = {**SCHEMAS, "events/OrderPlaced.v2.json": v2}
    assert breaches(SCHEMAS, new) == []


@pytest.mark.parametrize(
    ("old_versions", "new_versions", "breaking"),
    [
        pytest.param((1,), (2,), True, id="v1-dropped-as-v2-ships"),
        pytest.param((1, 2), (2,), False, id="v1-dropped-after-v2-released"),
        pytest.param((1,), (1, 2), False, id="v2-added-beside-v1"),
    ],
)
def test_a_version_is_dropped_only_after_its_successor_was_released(
    old_versions: tuple[int, ...], new_versions: tuple[int, ...], breaking: bool
) -> None:
    def folder(versions: tuple[int, ...]) -> dict[str, Any]:
        return {f"events/OrderPlaced.v{v}.json": order_placed() for v in versions}

    found = breaches(folder(old_versions), folder(new_versions))
    assert [b.rule for b in found] == (["version dropped without overlap"] if breaking else [])


def test_a_breach_reads_as_contract_field_rule_detail() -> None:
    new = order_placed()
    del placed_data(new)["properties"]["paymentToken"]
    (breach,) = compare_documents("OrderPlaced.v1", order_placed(), new)
    assert str(breach) == "OrderPlaced.v1: data.paymentToken: removed field: an event carrying it is now rejected"
