"""The kiosk's screens: widgets with no network code. Each screen says what the visitor
did through its signals (listed in its docstring) and is filled by the app
(:mod:`kiosk.app`) through plain methods; ``retranslate()`` redraws its words in the
current language."""
