"""The demo's live table, filled by the real processor from the built-in sample stream, fits 80 columns."""

from __future__ import annotations

import orjson
import pytest
from rich.cells import cell_len
from rich.console import Console

from guardstream.pipeline.config import load_settings
from guardstream.pipeline.demo import DemoView, load_sample_stream
from guardstream.pipeline.processor import RawMessage
from guardstream.pipeline.runtime import build_processor
from guardstream.topics import AuditRecord, decode

pytestmark = pytest.mark.model


@pytest.mark.parametrize("width", [80, 160])
def test_the_demo_table_fits_the_terminal_and_shows_what_the_llm_sees(bundle_dir, width: int) -> None:
    processor = build_processor(load_settings())
    inputs = load_sample_stream()
    for offset, item in enumerate(inputs):
        item.partition, item.offset = 0, offset
    view = DemoView(inputs, processor.catalogue)
    view.index_positions(inputs)
    raws = [RawMessage(i.payload, i.key, processor.catalogue.requests.name, 0, i.offset) for i in inputs]
    for record in processor.process(raws).records:
        if record.topic == processor.catalogue.audit.name:
            view.add_audit(decode(AuditRecord, record.value))
        else:
            view.add_output(record.topic, orjson.loads(record.value))
    assert view.done == len(inputs)

    console = Console(width=width, record=True, color_system=None)
    console.print(view.render(console.width))
    lines = console.export_text().splitlines()
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, too_wide
    screen = "\n".join(lines)
    for decision in ("allow", "redact", "block", "escalate", "dead_letter"):
        assert decision in screen
    assert "<CREDIT_CARD>" in screen  # what the LLM worker receives, redacted
