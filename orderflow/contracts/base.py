"""Base model and field types every contract shares."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel


def _money_to_json(value: Decimal) -> int | float:
    # JSON numbers, not strings: the seed API speaks `"price": 850`. Decimal inside, number outside.
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2),
    PlainSerializer(_money_to_json, return_type=int | float, when_used="json"),
]
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9_-]*$")]
# Events carry an address the API already validated as an email (pydantic's EmailStr, with
# email-validator's IDNA and syntax rules). Downstream hops only check its shape: full validation
# is ~24 µs per event, a third of decoding one (docs/benchmarks.md, B1), and cannot fail there.
EmailAddress = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]


class Contract(BaseModel):
    """Frozen, strict about unknown fields, camelCase on the wire and snake_case in Python."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )
