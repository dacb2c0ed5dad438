"""The officer's counter bar (PyQt6): call next, recall, start, finish, transfer.

Talks to the server over HTTP and Socket.IO only.
"""
