"""orderflow schemas: export the JSON Schemas of the events and the API, check them for drift and
for breaking changes against a git ref (docs/contracts.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="JSON Schemas of the events and the API.")

MERGE_BASE = "merge-base"


@app.command("export")
def schemas_export(directory: Annotated[Path | None, typer.Option("--dir")] = None) -> None:
    """Write every schema to schemas/ (commit the result)."""
    from orderflow.contracts import schemas

    written = schemas.export(directory or schemas.DEFAULT_DIR)
    typer.echo(f"wrote {len(written)} schemas to {directory or schemas.DEFAULT_DIR}")


@app.command("check")
def schemas_check(
    directory: Annotated[Path | None, typer.Option("--dir", help="The schemas folder.")] = None,
    against: Annotated[
        str,
        typer.Option(
            "--against",
            metavar="REF",
            help="Git ref to check evolution against (default: the merge base with main); 'none' skips it.",
        ),
    ] = MERGE_BASE,
) -> None:
    """Fail if the checked-in schemas differ from the models, or break a contract released at REF."""
    from orderflow.contracts import schemas

    folder = directory or schemas.DEFAULT_DIR
    problems = schemas.differences(folder)
    for line in problems:
        typer.echo(line, err=True)
    if problems:
        typer.echo("run `make schemas` and commit the result", err=True)
        raise typer.Exit(1)
    typer.echo("schemas are up to date")
    if against != "none":
        _check_evolution(folder.resolve().parent, against)


def _check_evolution(repo: Path, against: str) -> None:
    from orderflow.ops.contracts import GitRefError, check_against, default_ref

    try:
        ref = default_ref(repo) if against == MERGE_BASE else against
        found = check_against(repo, ref)
    except GitRefError as exc:
        typer.echo(f"cannot read the schemas at {against}: {exc}", err=True)
        raise typer.Exit(2) from exc
    for breach in found:
        typer.echo(f"breaking: {breach}", err=True)
    if found:
        typer.echo("bump eventVersion (a new model) for a breaking change; see docs/contracts.md", err=True)
        raise typer.Exit(1)
    typer.echo(f"no breaking change since {ref[:12]}")
