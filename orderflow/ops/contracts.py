"""`orderflow schemas check --against REF`: the exported schemas now against those at a git ref."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import orjson

from orderflow.contracts.compat import Breach, breaches
from orderflow.contracts.schemas import generated


class GitRefError(Exception):
    """The ref could not be read (not a repository, unknown ref, no schemas folder there)."""


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise GitRefError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"git {args[0]} failed")
    return done.stdout


def default_ref(repo: Path, base: str = "main") -> str:
    """The merge base with `base`: what this branch changed, not what `base` changed since.

    On `base` itself the merge base is HEAD, which would compare the last commit with itself:
    compare with its parent instead, so CI on main still checks the change that just landed."""
    try:
        merge_base = _git(repo, "merge-base", "HEAD", base).strip()
    except GitRefError:  # a CI checkout of a pull request has origin/main, not main
        merge_base = _git(repo, "merge-base", "HEAD", f"origin/{base}").strip()
    if merge_base != _git(repo, "rev-parse", "HEAD").strip():
        return merge_base
    try:
        return _git(repo, "rev-parse", "--verify", "HEAD~1").strip()
    except GitRefError:  # the first commit, or a shallow clone: nothing older to compare with
        return merge_base


def schemas_at(repo: Path, ref: str, folder: str = "schemas") -> dict[str, Any]:
    """Relative path (events/X.v1.json) -> schema document, as committed at `ref`."""
    prefix = f"{folder}/"
    names = _git(repo, "ls-tree", "-r", "--name-only", ref, "--", prefix).split()
    if not names:
        raise GitRefError(f"no {prefix} folder at {ref}")
    return {name.removeprefix(prefix): orjson.loads(_git(repo, "show", f"{ref}:{name}")) for name in names}


def check_against(repo: Path, ref: str) -> list[Breach]:
    """Breaking changes from the schemas at `ref` to the ones this build generates."""
    current = {path: orjson.loads(document) for path, document in generated().items()}
    return breaches(schemas_at(repo, ref), current)
