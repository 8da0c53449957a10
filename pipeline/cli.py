"""The ``guardstream`` command line.

Heavy imports (faust, onnxruntime, aiokafka) happen inside each command, so ``classify``
and ``--help`` start quickly and a command only pays for what it uses.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

app = typer.Typer(
    name="guardstream",
    help="Streaming guardrail for LLM traffic on Kafka: safety, intent routing, PII redaction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold request text or secrets
)
dead_letter_app = typer.Typer(
    help="Dead-letter topic tools (it holds original bytes: sensitive).", no_args_is_help=True
)
audit_app = typer.Typer(help="Read the audit topic (decisions only; it never holds raw PII).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(dead_letter_app, name="dead-letter")

console = Console()
err_console = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="YAML config file (also GUARDSTREAM_CONFIG).", exists=True, dir_okay=False),
]
BootstrapOption = Annotated[
    str | None,
    typer.Option("--bootstrap", "-b", help="Kafka bootstrap servers (overrides GUARDSTREAM_KAFKA_BOOTSTRAP)."),
]


# The bootstrap address of the command's settings, so a connection error can name it.
_bootstrap_in_use: list[str] = []


def _settings(config: Path | None, bootstrap: str | None = None, **overrides: Any) -> Any:
    from guardstream.pipeline.config import load_settings

    if bootstrap:
        overrides["kafka__bootstrap_servers"] = bootstrap
    settings = load_settings(config, **{k: v for k, v in overrides.items() if v is not None})
    _bootstrap_in_use[:] = [settings.kafka.bootstrap_servers]
    return settings


def main(argv: list[str] | None = None) -> None:
    """The console script: errors become one line and an exit status (2 usage/config, 1 runtime).

    ``--debug`` (anywhere on the line) or ``GUARDSTREAM_DEBUG=1`` lets the traceback through instead.
    """
    from guardstream.pipeline.errors import DEBUG_ENV, describe

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get(DEBUG_ENV) == "1"
    args = [arg for arg in args if arg != "--debug"]
    if debug:
        app(args=args, prog_name="guardstream")
        return
    # Client libraries log connection failures themselves; unconfigured, Python prints each one. The error
    # below says it once (a command that configures logging, like the worker, still gets them).
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())
    try:
        app(args=args, prog_name="guardstream")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        message, status = describe(error, bootstrap=_bootstrap_in_use[0] if _bootstrap_in_use else None)
        err_console.print(message, markup=False, highlight=False, soft_wrap=True)
        sys.exit(status)


@app.command()
def demo(
    policy: Annotated[Path | None, typer.Option(help="Policy YAML (default: the packaged policy).")] = None,
    stream: Annotated[Path | None, typer.Option(help="JSONL sample stream (default: the built-in one).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for all decisions.")] = 120.0,
) -> None:
    """Run the whole flow on an embedded broker with a built-in sample stream, shown live."""
    from guardstream.pipeline.demo import print_summary, run_demo

    summary = run_demo(console, policy_path=policy, stream_path=stream, timeout_s=timeout)
    print_summary(console, summary)
    raise typer.Exit(0 if summary.ok else 1)


@app.command()
def worker(config: ConfigOption = None, bootstrap: BootstrapOption = None) -> None:
    """Run the guard worker against the configured Kafka cluster (production entry point)."""
    from guardstream.pipeline.worker import run_worker

    run_worker(_settings(config, bootstrap))


@app.command()
def classify(
    text: Annotated[str | None, typer.Argument(help="Text to classify.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help='JSONL of requests, as `produce` takes them: {"text": ...}, {"messages": [...]} or full'
            ' envelopes ("-" for stdin).',
        ),
    ] = None,
    config: ConfigOption = None,
    tenant: Annotated[str, typer.Option(help="Tenant for inputs that do not name one (selects its hash salt).")] = (
        "default"
    ),
    batch_size: Annotated[int, typer.Option(min=1, help="Requests per model call for --file.")] = 64,
) -> None:
    """Decide requests offline (no Kafka), exactly as the worker would: one JSON line per request on stdout."""
    if (text is None) == (file is None):
        err_console.print("give either TEXT or --file FILE.jsonl")
        raise typer.Exit(2)
    from guardstream.pipeline.decision import decide
    from guardstream.pipeline.runtime import build_processor
    from guardstream.pipeline.verdict_json import classify_failure_json, decision_to_json

    requests = [_request_from_argument(text, tenant)] if text is not None else _read_request_lines(file, tenant)  # type: ignore[arg-type]
    processor = build_processor(_settings(config))
    policy, redactor = processor.policy, processor.redactor
    out = sys.stdout.buffer
    for start in range(0, len(requests), batch_size):
        chunk = requests[start : start + batch_size]
        verdicts = processor.classify_requests(chunk)
        for request, verdict in zip(chunk, verdicts, strict=True):
            if isinstance(verdict, Exception):
                row = classify_failure_json(request, verdict)
            else:
                decided = decide(request, verdict, policy, redactor)
                row = decision_to_json(
                    request, verdict, decided, policy, processor.versions_for(decided.policy_version)
                )
            out.write(orjson.dumps(row) + b"\n")
    out.flush()


def _request_from_argument(text: str, tenant: str) -> Any:
    from pydantic import ValidationError

    from guardstream.pipeline.request_lines import describe_line_error
    from guardstream.topics import Request

    try:
        return Request.new(text, tenant=tenant)
    except ValidationError as error:
        err_console.print(f"TEXT: {describe_line_error(error)}")
        raise typer.Exit(2) from None


def _read_request_lines(path: Path, tenant: str) -> list[Any]:
    from guardstream.pipeline.request_lines import LINE_ERRORS, describe_line_error, request_from_line

    handle = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    requests = []
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                requests.append(request_from_line(line, tenant))
            except LINE_ERRORS as error:
                err_console.print(f"{path}:{number}: {describe_line_error(error)}", highlight=False)
                raise typer.Exit(2) from None
    return requests


@app.command()
def broker(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = pick a free one).")] = 0,
) -> None:
    """Run the embedded Tansu broker in the foreground and print its bootstrap address."""
    from guardstream.pipeline.broker import EmbeddedBroker

    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with EmbeddedBroker(port=port) as running:
        console.print(running.bootstrap_servers, highlight=False)
        err_console.print(
            f"embedded broker (memory only) on {running.bootstrap_servers}; "
            f"export GUARDSTREAM_KAFKA_BOOTSTRAP={running.bootstrap_servers}; Ctrl-C stops it"
        )
        while not stop and running.running:
            time.sleep(0.2)


@app.command()
def topics(
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    create: Annotated[bool, typer.Option(help="Also create missing topics on the cluster.")] = False,
) -> None:
    """Print the topic catalogue as JSON (name, role, partitions, key, schema)."""
    from guardstream.pipeline.policy import Policy
    from guardstream.pipeline.runtime import build_catalogue

    settings = _settings(config, bootstrap)
    catalogue = build_catalogue(settings, Policy.load(settings.policy_path))
    if create:
        from guardstream.pipeline.admin import ensure_topics

        created = asyncio.run(
            ensure_topics(
                catalogue, replication_factor=settings.topics.replication_factor, **settings.kafka.client_kwargs()
            )
        )
        err_console.print(f"created: {', '.join(created) or 'nothing (all exist)'}")
    sys.stdout.write(catalogue.to_json() + "\n")


@app.command()
def produce(
    file: Annotated[Path, typer.Argument(help='JSONL: {"text": ...} or full envelopes ("-" for stdin).')],
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    tenant: Annotated[str, typer.Option(help="Tenant for lines that do not name one.")] = "default",
    raw: Annotated[bool, typer.Option(help="Send each line's bytes unchanged (to exercise dead-letter).")] = False,
    ids_out: Annotated[
        Path | None, typer.Option(help="Write 'line<TAB>request id' of every sent request here instead of stdout.")
    ] = None,
) -> None:
    """Produce requests from a JSONL file to the requests topic; prints 'line<TAB>request id' for each one sent."""
    from guardstream.pipeline.producing import produce_file

    settings = _settings(config, bootstrap)
    ids = ids_out.open("w", encoding="utf-8") if ids_out is not None else sys.stdout
    try:
        sent, rejected = asyncio.run(
            produce_file(settings, file, default_tenant=tenant, raw=raw, console=err_console, ids=ids)
        )
    finally:
        if ids_out is not None:
            ids.close()
    err_console.print(f"sent {sent} requests; rejected {rejected} invalid lines")
    raise typer.Exit(1 if rejected else 0)


@audit_app.command("tail")
def audit_tail(
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep waiting for new records.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON record per line.")] = False,
    limit: Annotated[int | None, typer.Option(help="Stop after this many records.")] = None,
    idle: Annotated[float, typer.Option(help="Without --follow: stop after this many idle seconds.")] = 3.0,
) -> None:
    """Print audit records from the beginning of the audit topic."""
    from guardstream.pipeline.auditing import tail_audit

    settings = _settings(config, bootstrap)
    asyncio.run(tail_audit(settings, console, follow=follow, as_json=as_json, limit=limit, idle_s=idle))


IdleOption = Annotated[float, typer.Option(help="Stop reading after the topic was quiet this many seconds.")]
SinceOption = Annotated[
    datetime | None, typer.Option(help="Only records at or after this time (ISO 8601, with a zone or UTC).")
]
UntilOption = Annotated[datetime | None, typer.Option(help="Only records at or before this time (ISO 8601).")]


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@audit_app.command("verify")
def audit_verify(
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    idle: IdleOption = 3.0,
    metrics_file: Annotated[
        Path | None, typer.Option(help="Also write the outcome as Prometheus gauges (textfile collector).")
    ] = None,
) -> None:
    """Check every hash chain of the audit topic: exit 0 intact, 1 broken (first place named), 2 key needed."""
    from guardstream.pipeline.audit_verify import exit_status, print_report, verify_audit, write_metrics

    report = asyncio.run(verify_audit(_settings(config, bootstrap), idle_s=idle))
    print_report(console, report)
    if metrics_file is not None:
        write_metrics(metrics_file, report)
    raise typer.Exit(exit_status(report))


@audit_app.command("diff")
def audit_diff(
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    idle: IdleOption = 3.0,
    since: SinceOption = None,
    until: UntilOption = None,
) -> None:
    """Where the shadow policy / challenger model decided otherwise than live: counts and request ids."""
    from guardstream.pipeline.audit_diff import diff_records, print_diff
    from guardstream.pipeline.auditing import read_records

    settings = _settings(config, bootstrap)
    records = asyncio.run(read_records(settings, idle_s=idle, since=_aware(since), until=_aware(until)))
    diff = diff_records(records)
    if as_json:
        sys.stdout.write(orjson.dumps(diff.to_json()).decode() + "\n")
    else:
        print_diff(console, diff)


@audit_app.command("report")
def audit_report(
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.", dir_okay=False)],
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    idle: IdleOption = 3.0,
    since: SinceOption = None,
    until: UntilOption = None,
    title: Annotated[str, typer.Option(help="Report title.")] = "guardstream audit report",
) -> None:
    """Write one self-contained HTML report (charts inline) of the audit topic or a time range of it."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        err_console.print("audit report draws with matplotlib: pip install 'guardstream[report]'", highlight=False)
        raise typer.Exit(2) from None
    from guardstream.pipeline.audit_report import render_report
    from guardstream.pipeline.auditing import read_records

    settings = _settings(config, bootstrap)
    records = asyncio.run(read_records(settings, idle_s=idle, since=_aware(since), until=_aware(until)))
    out.write_text(render_report(records, title=title, generated_at=datetime.now(UTC)), encoding="utf-8")
    err_console.print(f"wrote {out} ({len(records)} audit records)", highlight=False)


@app.command()
def replay(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="JSONL of requests, as `produce` takes them.")
    ] = None,
    from_topic: Annotated[bool, typer.Option(help="Replay the requests topic instead of a file.")] = False,
    policy: Annotated[Path | None, typer.Option(help="Candidate policy YAML (default: the live one).")] = None,
    model_dir: Annotated[Path | None, typer.Option(help="Candidate model bundle (default: the live one).")] = None,
    baseline: Annotated[
        str, typer.Option(help="Compare with what the audit topic recorded (audit) or with live run offline (live).")
    ] = "audit",
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    tenant: Annotated[str, typer.Option(help="Tenant for file lines that do not name one.")] = "default",
    since: SinceOption = None,
    until: UntilOption = None,
    idle: IdleOption = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    max_changed_rate: Annotated[
        float | None, typer.Option(help="Exit 1 when more than this share of decisions would change (CI gate).")
    ] = None,
) -> None:
    """Backtest a candidate policy and/or model on recorded requests: what would change (ids, never text)."""
    if (file is None) == (not from_topic):
        err_console.print("give either --file FILE.jsonl or --from-topic")
        raise typer.Exit(2)
    if baseline not in ("audit", "live"):
        err_console.print(f"--baseline must be audit or live, not {baseline!r}", highlight=False)
        raise typer.Exit(2)
    from guardstream.pipeline.replay import recorded_outcomes, replay_report_lines, requests_from_topic
    from guardstream.pipeline.replay import replay as run_replay

    settings = _settings(config, bootstrap)
    unreadable = 0
    if file is not None:
        requests = _read_request_lines(file, tenant)
    else:
        requests, unreadable = asyncio.run(
            requests_from_topic(settings, since=_aware(since), until=_aware(until), idle_s=idle)
        )
    recorded = asyncio.run(recorded_outcomes(settings, idle_s=idle)) if baseline == "audit" else {}
    report = run_replay(
        settings, requests, policy_path=policy, model_dir=model_dir, recorded=recorded, unreadable=unreadable
    )
    summary = report.to_json()
    if as_json:
        sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    else:
        for line in replay_report_lines(summary):
            console.print(line, highlight=False, markup=False)
    if max_changed_rate is not None and summary["changed_rate"] > max_changed_rate:
        raise typer.Exit(1)


@app.command()
def peek(
    topic: Annotated[
        str,
        typer.Argument(help="A role or route (requests, general, blocked, escalation, dead-letter, audit) or topic."),
    ],
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep waiting for new records.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON record per line.")] = False,
    from_beginning: Annotated[
        bool, typer.Option(help="With --follow, start at the beginning (without --follow it always does).")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Stop after this many records.")] = None,
    idle: IdleOption = 3.0,
    show_original: Annotated[
        bool, typer.Option(help="dead-letter only: include the original bytes, opened with the configured key.")
    ] = False,
) -> None:
    """Read any guardstream topic: what the LLM workers receive, what was blocked or escalated, the audit."""
    from guardstream.pipeline.peek import peek as run_peek

    settings = _settings(config, bootstrap)
    asyncio.run(
        run_peek(
            settings,
            console,
            topic,
            follow=follow,
            as_json=as_json,
            from_beginning=from_beginning,
            idle_s=idle,
            limit=limit,
            show_original=show_original,
        )
    )


@dead_letter_app.command("keygen")
def dead_letter_keygen() -> None:
    """Print a new dead-letter encryption key (set it as GUARDSTREAM_DEAD_LETTER_KEY)."""
    from guardstream.pipeline.dead_letter import generate_key

    sys.stdout.write(generate_key() + "\n")


@dead_letter_app.command("read")
def dead_letter_read(
    config: ConfigOption = None,
    bootstrap: BootstrapOption = None,
    idle: IdleOption = 3.0,
    show_original: Annotated[
        bool, typer.Option(help="Also print the original bytes (decrypted with the configured key).")
    ] = False,
) -> None:
    """Print dead-letter records (reason, stage, source) as JSON lines, originals only on request."""
    from guardstream.pipeline.dead_letter_reader import read_dead_letters

    settings = _settings(config, bootstrap)
    asyncio.run(read_dead_letters(settings, idle_s=idle, show_original=show_original))


@app.command("eval")
def evaluate(
    bundle: Annotated[Path | None, typer.Option(help="Model bundle dir (default: the packaged one).")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Datasets dir (default: GUARDSTREAM_DATA or ../shared/datasets).")
    ] = None,
    write_card: Annotated[bool, typer.Option(help="Write MODEL_CARD.md and metrics.json into the bundle.")] = False,
) -> None:
    """Evaluate a model bundle on the public test splits and print the metrics."""
    try:
        from guardstream.classifiers.training.evaluate import main as evaluate_main
    except ImportError as error:
        # The runtime wheel leaves the training lab out; a source checkout installed with the extra has it.
        missing = getattr(error, "name", None) or "training code"
        err_console.print(
            f"guardstream eval needs the training lab ({missing} is not installed): in a source checkout,"
            " run: pip install -e '.[train]'",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
    argv: list[str] = []
    if bundle is not None:
        argv += ["--bundle", str(bundle)]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    if write_card:
        argv.append("--write-card")
    raise typer.Exit(evaluate_main(argv) or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
