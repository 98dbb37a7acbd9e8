"""``python -m phdesk`` and the ``phdesk`` executable."""

from __future__ import annotations

import multiprocessing
import os
import sys


def main() -> None:
    multiprocessing.freeze_support()
    # Qt orders a PDF's font objects by a per-process random hash: a fixed seed makes one run
    # export to the same bytes from the window and the command line (docs/ARCHITECTURE.md,
    # "Outputs and disclosure control"). Read by Qt at start-up, so set before it loads.
    os.environ.setdefault("QT_HASH_SEED", "0")
    from phdesk.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
