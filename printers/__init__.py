"""Ticket slips: rendering (Pillow) and ESC/POS output (python-escpos).

Knows nothing of HTTP or the database: it takes a plain slip description and a
printer configuration.
"""
