"""Who is calling: the keyring built from settings, and the route dependency that names the client
the guard (api/guard.py) authenticated. The security schemes here are what /docs and the OpenAPI
document show; the guard enforces them before any route runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Unauthenticated
from orderflow.auth import Keyring, parse_api_keys
from orderflow.errors import ConfigurationError
from orderflow.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_api_key = APIKeyHeader(name="X-Api-Key", auto_error=False, description="The API key, in X-Api-Key instead")


def keyring_from(settings: Settings) -> Keyring:
    """Refuses to build an API nobody can call, and never accepts the local dev key outside local mode."""
    entries = parse_api_keys(settings.api_keys)
    dev_key = settings.dev_api_key.get_secret_value() if settings.local_mode and settings.dev_api_key else None
    if not entries and not dev_key:
        hint = " (or ORDERFLOW_DEV_API_KEY in local mode)" if settings.local_mode else ""
        raise ConfigurationError(
            f"no API keys configured: set ORDERFLOW_API_KEYS{hint}; `orderflow apikey create <client>` makes one"
        )
    return Keyring(entries, dev_key=dev_key)


def authenticated_client(
    request: Request,
    _bearer_credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    _api_key_header: Annotated[str | None, Security(_api_key)],
) -> str:
    client: str | None = request.scope.get("state", {}).get("client_id")
    if client is None:  # the guard lets no such request through; refuse rather than trust that
        raise Unauthenticated("a valid API key is required")
    return client


Client = Annotated[str, Depends(authenticated_client)]
