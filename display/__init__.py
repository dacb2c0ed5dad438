"""The hall display (PyQt6): shows and announces which number goes to which counter.

Listens to the server over Socket.IO only.
"""
