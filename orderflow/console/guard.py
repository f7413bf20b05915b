"""Who may act: actions need the dev API key, come from the console's own pages (never cross-origin),
and are off in read-only mode. Reading needs nothing: the console binds 127.0.0.1 only."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request

from orderflow.errors import ProblemError


class Refused(ProblemError):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title = status, title


@dataclass(frozen=True)
class Guard:
    api_key: str | None
    read_only: bool

    def check(self, request: Request) -> None:
        if self.read_only:
            raise Refused(403, "Read-only console", "this console was started read-only: actions are off")
        self._same_origin(request)
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not self.api_key or not given or not hmac.compare_digest(given.encode(), self.api_key.encode()):
            raise Refused(401, "API key required", "actions need the dev API key (make dev prints it)")

    @staticmethod
    def _same_origin(request: Request) -> None:
        """A browser names the page that sent the request; it must be one of ours."""
        host = request.headers.get("host", "")
        origin = request.headers.get("origin")
        site = request.headers.get("sec-fetch-site")
        if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
            raise Refused(403, "Cross-origin request refused", f"actions are refused from {origin}")
        if site is not None and site not in ("same-origin", "none"):
            raise Refused(403, "Cross-origin request refused", f"actions are refused from a {site} page")
