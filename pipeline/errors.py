"""User-facing errors: one or two lines that say what is wrong, where, and what to do.

Why one place: a YAML typo in a policy used to print a 213-line traceback with the useful line at the
bottom, and an unreachable broker 85. Loaders raise :class:`ConfigError` with the file, line and setting
already in the message; :func:`describe` turns everything else a command can hit (a missing file, a
broker that does not answer, a bug) into the same short form with an exit status: 2 for usage and
configuration errors (fix the input and run again), 1 for runtime failures. ``--debug`` or
``GUARDSTREAM_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

EXIT_RUNTIME, EXIT_USAGE = 1, 2
DEBUG_ENV = "GUARDSTREAM_DEBUG"
_MAX_LISTED = 3


class ConfigError(ValueError):
    """A configuration or policy file, or a setting, that cannot be used; the message names where."""


def yaml_file(path: str | Path) -> Any:
    """Parse a YAML file; a syntax error names the file, line and column."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it ({type(error).__name__})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}{_yaml_position(error)}: invalid YAML: {_yaml_problem(error)}") from None


def _yaml_position(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    return f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""


def _yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    return f"{problem} ({context})" if context else str(problem)


def validation_lines(error: ValidationError, prefix: str = "") -> str:
    """Pydantic's errors as ``setting.path: message``, at most three, on one line."""
    parts = []
    for item in error.errors()[:_MAX_LISTED]:
        location = ".".join(str(part) for part in item["loc"] if not str(part).startswith("function-"))
        parts.append(f"{prefix}{location}: {item['msg']}" if location else f"{prefix.rstrip('.')}: {item['msg']}")
    more = len(error.errors()) - _MAX_LISTED
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def describe(error: BaseException, *, bootstrap: str | None = None) -> tuple[str, int]:
    """The one-line message and exit status for an error that reached the command line."""
    from aiokafka.errors import KafkaConnectionError, KafkaError

    from guardstream.pipeline.policy import PolicyBindingError  # policy imports this module: import here

    if isinstance(error, ConfigError):
        return str(error), EXIT_USAGE
    if isinstance(error, ValidationError):
        return f"invalid setting: {validation_lines(error)}", EXIT_USAGE
    if isinstance(error, PolicyBindingError):
        return f"policy does not fit the model bundle: {error}", EXIT_USAGE
    if isinstance(error, FileNotFoundError):
        name = error.filename or str(error)
        return f"{name}: no such file", EXIT_USAGE
    if isinstance(error, KafkaConnectionError | ConnectionError | TimeoutError):
        where = f" at {bootstrap}" if bootstrap else ""
        return (
            f"cannot reach Kafka{where}: check kafka.bootstrap_servers (GUARDSTREAM_KAFKA_BOOTSTRAP) and the network",
            EXIT_RUNTIME,
        )
    if isinstance(error, KafkaError):
        return f"Kafka error: {type(error).__name__}: {error}", EXIT_RUNTIME
    if type(error) is LookupError and "topic" in str(error):
        return f"{str(error).strip(chr(39))}: create it with `guardstream topics --create`", EXIT_RUNTIME
    detail = str(error).splitlines()[0] if str(error) else ""
    return (
        f"error: {type(error).__name__}{': ' + detail if detail else ''} (--debug shows the traceback)",
        EXIT_RUNTIME,
    )
