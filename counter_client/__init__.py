"""The officer's counter bar (PyQt6): the whole day at a counter from a small always-on-top
bar and global hotkeys.

Talks to the server over HTTP and Socket.IO only (:mod:`desktop`). The pieces:
:mod:`.actions` (what the bar can do, when the transition table allows it, its hotkey),
:mod:`.session` (the counter's state and the calls to the server, no widgets),
:mod:`.hotkeys` (global hotkeys, or focused shortcuts where the platform refuses),
:mod:`.views` (widgets only, no network code) and :mod:`.app` (the controller that wires
them, and ``main``).
"""
