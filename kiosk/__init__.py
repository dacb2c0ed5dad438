"""The touchscreen kiosk (PyQt6): visitors pick a service and take a printed ticket.

Talks to the server over HTTP only and prints through :mod:`printers`.
"""
