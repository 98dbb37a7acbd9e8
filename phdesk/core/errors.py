"""Exceptions that carry a message meant for the user (exit status 2 on the command line)."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or usage: the message is shown as is, on one line, without a traceback."""
