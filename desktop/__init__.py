"""hangdoi's desktop package: what the three Qt apps (``kiosk``, ``display``,
``counter_client``) share.

- :mod:`desktop.api`: the HTTP client of ``/api/v1``; every failure is one
  :class:`~desktop.api.ApiError` with the server's two languages.
- :mod:`desktop.live`: the Socket.IO connection in a worker thread, its events turned into
  Qt signals in ``seq`` order, with the ``last_seq`` replay and automatic reconnection.
- :mod:`desktop.settings`: one settings file per app in the user's config folder, and the
  command-line flags every app takes.
- :mod:`desktop.secrets`: the bearer or device token, in the OS keyring or a private file.
- :mod:`desktop.i18n`: Vietnamese and English from gettext ``.po`` catalogues.
- :mod:`desktop.theme`: colours and the font with every Vietnamese glyph.
- :mod:`desktop.tasks`: blocking work on a thread pool, its outcome back in the GUI thread.
- :mod:`desktop.health`: a device's health reports to the server (kiosk, hall display).

It imports ``contract`` (states, events) and never ``server``, nor any of the apps.
"""
