"""The application layer: what the GUI and the command line do, composed from the clients.

Modules here combine the transfer engine, the backend client, saved connections and
the demo; ``coachadmin.ui`` and ``coachadmin.cli`` call them and never the other way.
"""
