"""`orderflow schemas check --against REF` on a real git repository: a breaking change fails, named."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from orderflow.cli import app
from orderflow.contracts.schemas import export
from orderflow.ops.contracts import check_against, default_ref

REPO = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A repository on main whose released OrderPlaced v1 had a `giftWrap` field today's model lacks."""
    git(tmp_path, "init", "-q", "-b", "main")
    export(tmp_path / "schemas")
    placed = tmp_path / "schemas" / "events" / "OrderPlaced.v1.json"
    fresh = placed.read_bytes()
    doc = orjson.loads(fresh)
    doc["$defs"]["OrderPlacedData"]["properties"]["giftWrap"] = {"type": "boolean", "default": False}
    placed.write_bytes(orjson.dumps(doc))
    git(tmp_path, "add", "schemas")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "release")
    placed.write_bytes(fresh)  # the working tree: what the models export today
    return tmp_path


def test_a_removed_field_without_a_version_bump_fails_naming_field_and_rule(released: Path) -> None:
    result = CliRunner().invoke(app, ["schemas", "check", "--dir", str(released / "schemas"), "--against", "HEAD"])
    assert result.exit_code == 1
    assert "OrderPlaced.v1: data.giftWrap: removed field" in result.output
    assert "bump eventVersion" in result.output


def test_an_unknown_ref_is_one_line_and_exit_2(released: Path) -> None:
    result = CliRunner().invoke(app, ["schemas", "check", "--dir", str(released / "schemas"), "--against", "nope"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 2  # "schemas are up to date" + the one error line
    assert "cannot read the schemas at nope" in result.output


def test_on_main_the_default_ref_is_the_parent_commit(released: Path) -> None:
    head = git(released, "rev-parse", "HEAD").strip()
    (released / "README").write_text("next\n")
    git(released, "add", "README")
    git(released, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "next")
    assert default_ref(released) == head


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="not a git checkout: no released schemas to compare with")
def test_this_repository_breaks_no_contract_since_its_merge_base() -> None:
    # The check CI runs: today's models against the schemas released at the merge base with main.
    found = check_against(REPO, default_ref(REPO))
    assert not found, "\n".join(map(str, found))
