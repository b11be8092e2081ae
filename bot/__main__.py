"""`python -m bot` is the same as the `desk` command."""

from bot.cli import main

raise SystemExit(main())
