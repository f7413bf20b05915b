"""The API's front door, before any route runs: security headers on every response, then for every
path but health and docs: API key -> client id (401), per-key rate limit (429), JSON only (415),
body size (413, counted on the raw body so that a chunked request cannot slip past)."""

from __future__ import annotations

import structlog
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.headers import SECURITY_HEADERS
from api.problems import problem
from api.ratelimit import RateLimiter
from orderflow.auth import Keyring

log = structlog.get_logger("orderflow.api")

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/openapi.json"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_KEY_LENGTH = 256  # longer than any key we issue; not worth hashing

_RAW_SECURITY_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


class _BodyTooLarge(Exception):
    pass


def presented_key(headers: dict[bytes, bytes]) -> str | None:
    """`Authorization: Bearer <key>`, else `X-Api-Key: <key>`."""
    authorization = headers.get(b"authorization", b"").decode("latin-1").strip()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    api_key = headers.get(b"x-api-key", b"").decode("latin-1").strip()
    return api_key or None


def is_json(content_type: bytes | None) -> bool:
    media_type = (content_type or b"").decode("latin-1").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


class Guard:
    """Pure ASGI middleware (no BaseHTTPMiddleware): it must see the body as it arrives."""

    def __init__(self, app: ASGIApp, *, keyring: Keyring, limiter: RateLimiter, max_body_bytes: int) -> None:
        self.app = app
        self.keyring = keyring
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send)
        if scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if scope["method"] in BODY_METHODS:
            try:
                receive = await self._buffered(headers, receive)
            except _BodyTooLarge:
                limit = self.max_body_bytes
                too_large = problem(
                    413, "Request body too large", f"the body exceeds {limit} bytes", instance=scope["path"]
                )
                await too_large(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes]) -> JSONResponse | None:
        path = scope["path"]
        key = presented_key(headers)
        client = self.keyring.client_for(key) if key and len(key) <= MAX_KEY_LENGTH else None
        if client is None:
            log.info("request_unauthenticated", path=path, keyPresented=key is not None)
            return problem(
                401,
                "Unauthorized",
                "a valid API key is required: Authorization: Bearer <key> or X-Api-Key: <key>",
                instance=path,
                headers={"WWW-Authenticate": 'Bearer realm="orderflow"'},
            )
        scope.setdefault("state", {})["client_id"] = client
        if wait := self.limiter.check(client):
            return problem(
                429,
                "Too many requests",
                f"this API key's rate limit is exceeded; retry in {wait} s",
                instance=path,
                headers={"Retry-After": str(wait)},
            )
        if scope["method"] in BODY_METHODS and _has_body(headers) and not is_json(headers.get(b"content-type")):
            return problem(415, "Unsupported media type", "request bodies must be application/json", instance=path)
        return None

    async def _buffered(self, headers: dict[bytes, bytes], receive: Receive) -> Receive:
        """Read the whole body (at most the limit) before the app does; answer a replay of it."""
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise _BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _replay([message], receive)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _with_security_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in _RAW_SECURITY_HEADERS if k not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


def _has_body(headers: dict[bytes, bytes]) -> bool:
    """A POST without a body (a bare `POST /orders/{id}/cancel`) needs no content type."""
    return headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
