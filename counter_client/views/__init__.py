"""The counter client's widgets. They hold no network code: they show what they are
given (``render``...) and say what the officer asked for through signals, listed in each
class's docstring; :mod:`counter_client.app` wires them to the session."""
