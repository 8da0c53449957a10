"""Export the topic schemas as JSON Schema files for non-Python producers and consumers.

The files are generated, committed, and checked against a fresh export by the tests, so the
committed contract cannot drift from the pydantic models.

Usage: ``python -m guardstream.topics.json_schema [OUT_DIR]`` (default: ``topics/schema/``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pydantic import BaseModel

from guardstream.topics.schemas import (
    SCHEMA_VERSION,
    AuditRecord,
    DeadLetterRecord,
    ForwardedRequest,
    QuarantinedRequest,
    Request,
)

DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "schema"

# (file stem, model). Validation-mode schemas: what a message must look like to be accepted.
_EXPORTS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("request", Request),
    ("forwarded", ForwardedRequest),
    ("quarantined", QuarantinedRequest),
    ("audit", AuditRecord),
    ("dead_letter", DeadLetterRecord),
)


def render_schemas() -> dict[str, str]:
    """File name → file text, without touching the disk (the drift test compares these)."""
    rendered = {}
    for stem, model in _EXPORTS:
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://guardstream.dev/schemas/{stem}/v{SCHEMA_VERSION}"
        schema["title"] = model.__name__
        text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False)
        rendered[f"{stem}.schema.json"] = text + "\n"
    return rendered


def export_schemas(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m guardstream.topics.json_schema", description=__doc__.splitlines()[0]
    )
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT_DIR)
    for path in export_schemas(parser.parse_args(argv).out_dir):
        print(path)


if __name__ == "__main__":
    main()
