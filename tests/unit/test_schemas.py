"""The checked-in JSON Schemas in schemas/ match the models: change a model, run `make schemas`."""

from __future__ import annotations

from pathlib import Path

from orderflow.contracts import EVENT_TYPES
from orderflow.contracts.schemas import DEFAULT_DIR, differences, export, generated


def test_checked_in_schemas_match_the_models() -> None:
    # If this fails, a contract changed without `make schemas`: regenerate and review the diff.
    assert differences() == []


def test_checked_in_folder_is_the_repository_schemas_folder() -> None:
    assert Path(__file__).resolve().parents[2] / "schemas" == DEFAULT_DIR


def test_every_event_type_and_api_body_has_a_schema() -> None:
    paths = set(generated())

    assert "events/OrderPlaced.v1.json" in paths
    assert "api/PlaceOrderRequest.json" in paths
    assert len([p for p in paths if p.startswith("events/")]) == len(EVENT_TYPES)


def test_fresh_export_has_no_differences(tmp_path: Path) -> None:
    written = export(tmp_path)

    assert len(written) == len(generated())
    assert differences(tmp_path) == []


def test_altered_schema_is_reported_stale(tmp_path: Path) -> None:
    export(tmp_path)
    (tmp_path / "events/OrderPlaced.v1.json").write_text('{"title": "edited by hand"}\n')

    assert differences(tmp_path) == ["stale: events/OrderPlaced.v1.json"]


def test_removed_schema_is_reported_missing(tmp_path: Path) -> None:
    export(tmp_path)
    (tmp_path / "api/Problem.json").unlink()

    assert differences(tmp_path) == ["missing: api/Problem.json"]


def test_schema_no_model_generates_is_reported_orphaned(tmp_path: Path) -> None:
    export(tmp_path)
    (tmp_path / "events/OrderTeleported.v1.json").write_text("{}\n")

    assert differences(tmp_path) == ["orphaned: events/OrderTeleported.v1.json"]


def test_missing_folder_reports_every_schema_missing(tmp_path: Path) -> None:
    problems = differences(tmp_path / "nowhere")

    assert sorted(problems) == sorted(f"missing: {path}" for path in generated())
