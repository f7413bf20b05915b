"""Errors the API answers with, and the one table that maps them to HTTP statuses."""

from __future__ import annotations

from typing import ClassVar

from orderflow.errors import ProblemError


class ApiError(ProblemError):
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors


class OrderRejected(ApiError):
    """The order is well-formed JSON but cannot be accepted (unknown SKU, wrong price, limits)."""

    status = 422
    title = "Order rejected"


class SimulationDisabled(ApiError):
    status = 422
    title = "Simulation disabled"


class IdempotencyKeyReused(ApiError):
    status = 422
    title = "Idempotency-Key reused with a different request"


class IdempotencyKeyInvalid(ApiError):
    status = 400
    title = "Invalid Idempotency-Key"


class Unauthenticated(ApiError):
    status = 401
    title = "Unauthorized"
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": 'Bearer realm="orderflow"'}


class OrderNotFound(ApiError):
    status = 404
    title = "Order not found"


class OrderNotCancellable(ApiError):
    """The order has shipped, or is already cancelled."""

    status = 409
    title = "Order cannot be cancelled"


class NotReady(ApiError):
    status = 503
    title = "Not ready"
