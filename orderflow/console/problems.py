"""The console's problem+json answers: the order API's shape, from the one builder in orderflow.errors."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from orderflow.errors import PROBLEM_JSON, ProblemError, problem_body


class NotFound(ProblemError):
    status = 404
    title = "Not found"


class BadRequest(ProblemError):
    pass


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(problem_body(status, title, detail), status_code=status, media_type=PROBLEM_JSON)
