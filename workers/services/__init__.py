"""The services: each a small package of business rules, a store for its own table, and handlers.

A service named in topology.yaml lives in the package of the same name (`-` becomes `_`): adding
one is a topology entry plus its package, with no list to edit here.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from workers.runtime.service import ServiceDefinition


def known_services() -> list[str]:
    """Every service package under workers/services/."""
    here = [str(Path(__file__).parent)]
    return sorted(m.name.replace("_", "-") for m in pkgutil.iter_modules(here) if m.ispkg)


def load_service(name: str) -> ServiceDefinition:
    """Import only the service this process runs."""
    if name not in known_services():
        raise ValueError(f"unknown service {name!r}; known: {', '.join(known_services())}")
    module = importlib.import_module(f"workers.services.{name.replace('-', '_')}")
    service: ServiceDefinition = module.SERVICE
    return service
