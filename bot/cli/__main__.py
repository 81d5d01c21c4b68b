"""`python -m bot.cli`: the same as the `paperbot` script."""

import sys

from bot.cli import main

sys.exit(main())
