"""``python -m phdesk`` and the ``phdesk`` executable."""

from __future__ import annotations

import multiprocessing
import sys


def main() -> None:
    multiprocessing.freeze_support()
    from phdesk.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
