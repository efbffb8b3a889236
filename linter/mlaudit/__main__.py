"""`python -m mlaudit` runs the command-line interface."""

from mlaudit.cli import main

raise SystemExit(main())
