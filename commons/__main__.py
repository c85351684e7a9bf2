"""`python -m commons`: the `commons` command (commons/cli.py)."""

from commons.cli import main

raise SystemExit(main())
