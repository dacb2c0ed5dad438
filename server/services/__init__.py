"""The server's rules, as plain functions over a SQLAlchemy session: no HTTP in here."""
