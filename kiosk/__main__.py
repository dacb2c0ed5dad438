"""``python -m kiosk``: the touchscreen kiosk (the ``hangdoi-kiosk`` command)."""

import sys

from kiosk.app import main

sys.exit(main())
