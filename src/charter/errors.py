"""The one error type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class CharterError(Exception):
    """A usage, configuration or policy problem the user can fix; exit code 2."""


class PolicyError(CharterError):
    """A policy or profile file is invalid; the message names the file, field and fix."""
