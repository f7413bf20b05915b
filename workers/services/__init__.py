"""The services: each a small package of business rules, a store for its own table, and handlers."""

from __future__ import annotations

import importlib

from workers.runtime.service import ServiceDefinition

SERVICE_MODULES = {
    "inventory": "workers.services.inventory",
    "payment": "workers.services.payment",
    "shipping": "workers.services.shipping",
    "notification": "workers.services.notification",
    "orders": "workers.services.orders",
}


def load_service(name: str) -> ServiceDefinition:
    """Import only the service this process runs."""
    try:
        module = importlib.import_module(SERVICE_MODULES[name])
    except KeyError:
        raise ValueError(f"unknown service {name!r}; known: {', '.join(SERVICE_MODULES)}") from None
    service: ServiceDefinition = module.SERVICE
    return service
