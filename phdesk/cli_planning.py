"""Command-line commands for planning: `phdesk scenario`, `phdesk compare`.

``register(sub)`` adds this module's subparsers and returns their handlers; see
``phdesk.cli.COMMAND_MODULES``.
"""

from __future__ import annotations


def register(sub) -> dict:
    """Add this module's subcommands to ``sub``; return ``{command: handler(args) -> int}``."""
    return {}
