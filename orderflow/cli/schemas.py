"""orderflow schemas: export the JSON Schemas of the events and the API, and check them for drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="JSON Schemas of the events and the API.")


@app.command("export")
def schemas_export(directory: Annotated[Path | None, typer.Option("--dir")] = None) -> None:
    """Write every schema to schemas/ (commit the result)."""
    from orderflow.contracts import schemas

    written = schemas.export(directory or schemas.DEFAULT_DIR)
    typer.echo(f"wrote {len(written)} schemas to {directory or schemas.DEFAULT_DIR}")


@app.command("check")
def schemas_check(directory: Annotated[Path | None, typer.Option("--dir")] = None) -> None:
    """Fail if the checked-in schemas differ from the models."""
    from orderflow.contracts import schemas

    problems = schemas.differences(directory or schemas.DEFAULT_DIR)
    for line in problems:
        typer.echo(line, err=True)
    if problems:
        typer.echo("run `make schemas` and commit the result", err=True)
        raise typer.Exit(1)
    typer.echo("schemas are up to date")
