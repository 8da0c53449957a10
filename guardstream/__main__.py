"""``python -m guardstream`` is the ``guardstream`` command (useful where the script is not on PATH)."""

from guardstream.pipeline.cli import main

main()
