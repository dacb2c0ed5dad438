"""The hall display (PyQt6): shows and announces which number goes to which counter.

- :mod:`display.app`: ``main`` (``hangdoi-display``, ``python -m display``) and the
  controller: pairing with a display device token, the live connection
  (:class:`desktop.live.LiveConnection`), the screens.
- :mod:`display.model`: the zone's calls, waiting counts and counters, from the snapshot
  and the events (no Qt, no network).
- :mod:`display.announcer`: the announcements queue (QtMultimedia) and the audio cache.
- :mod:`display.views`: the widgets (hall screen, counter-top screen, pairing), with no
  network code.

It talks to the server over HTTP and Socket.IO only, through :mod:`desktop`.
"""
