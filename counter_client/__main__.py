"""``python -m counter_client``: the officer's counter bar."""

from counter_client.app import main

raise SystemExit(main())
