"""``python -m display``: the hall display (see :func:`display.app.main`)."""

from display.app import main

raise SystemExit(main())
