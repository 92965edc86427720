"""`python -m tfcompat ...` is the `tfcompat` command."""

from tfcompat._cli import main

raise SystemExit(main())
