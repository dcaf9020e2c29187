"""Read models derived from the ordered event log, each applied exactly once.

``log`` reads the ordered log (the one module that knows what a position is), ``store`` is the
database read models live in (SQLite or PostgreSQL, the same SQL), ``tracking`` records each
projection's position in the same transaction as its rows, and ``catch_up`` applies batches.
Each read model is a folder of its own: ``<name>/view.py`` (tables, queries) and
``<name>/projection.py`` (events -> rows).
"""
