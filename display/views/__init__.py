"""The hall display's widgets: they draw what they are given and hold no network code.

:class:`~display.views.hall.HallView` (the hall screen, landscape or portrait),
:class:`~display.views.counter_top.CounterTopView` (the small screen above one counter),
:class:`~display.views.pairing.PairingView` (server address and display token).
"""
