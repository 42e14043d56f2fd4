"""Entry point for ``python -m lendapp``."""

import sys

from lendapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
