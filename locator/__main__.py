"""`python -m locator` runs the CLI."""

from locator.cli import app

app()
