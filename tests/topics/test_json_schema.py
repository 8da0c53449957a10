import json
from pathlib import Path

from guardstream.topics.json_schema import DEFAULT_OUT_DIR, export_schemas, main, render_schemas

EXPECTED = {
    "request.schema.json": "Request",
    "forwarded.schema.json": "ForwardedRequest",
    "quarantined.schema.json": "QuarantinedRequest",
    "audit.schema.json": "AuditRecord",
    "dead_letter.schema.json": "DeadLetterRecord",
}


def test_committed_schemas_match_models() -> None:
    """Fails when a model changed but ``python -m guardstream.topics.json_schema`` was not re-run."""
    committed = {p.name: p.read_text(encoding="utf-8") for p in DEFAULT_OUT_DIR.glob("*.json")}
    assert committed == render_schemas(), "schemas drifted: run `python -m guardstream.topics.json_schema`"


def test_default_out_dir_is_next_to_module() -> None:
    assert Path(__file__).resolve().parents[2] / "topics" / "schema" == DEFAULT_OUT_DIR
    assert (DEFAULT_OUT_DIR / "README.md").is_file()


def test_export_writes_files(tmp_path: Path) -> None:
    paths = export_schemas(tmp_path / "out")
    assert sorted(p.name for p in paths) == sorted(EXPECTED)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        schema = json.loads(text)
        stem = path.name.removesuffix(".schema.json")
        assert schema["$id"] == f"https://guardstream.dev/schemas/{stem}/v1"
        assert schema["title"] == EXPECTED[path.name]
        assert schema["additionalProperties"] is False
        assert list(schema) == sorted(schema)


def test_request_schema_contract() -> None:
    schema = json.loads(render_schemas()["request.schema.json"])
    assert set(schema["required"]) == {"id", "tenant"}
    assert schema["properties"]["schema_version"]["const"] == 1
    assert "sensitive" in json.loads(render_schemas()["dead_letter.schema.json"])["description"].lower()


def test_cli(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    main([str(tmp_path)])
    assert len(capsys.readouterr().out.splitlines()) == 5
    assert {p.name for p in tmp_path.iterdir()} == set(EXPECTED)
