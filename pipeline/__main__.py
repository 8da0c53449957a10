"""``python -m pipeline`` is the ``guardstream`` command (handy before installation)."""

from pipeline.cli import app

app()
