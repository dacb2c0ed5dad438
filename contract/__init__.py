"""What the server and its clients agree on: ticket states and their transitions,
event names and payload shapes.

Imported by the server and by the Qt apps alike, so it depends on neither Flask nor Qt.
"""
