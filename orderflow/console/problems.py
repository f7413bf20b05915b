"""RFC 9457 problem+json answers, the same shape the order API gives."""

from __future__ import annotations

from fastapi.responses import JSONResponse


class Problem(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(Problem):
    status = 404
    title = "Not found"


class BadRequest(Problem):
    status = 400
    title = "Bad request"


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )
