"""Alembic environment and versions; `api/migrate.py` runs them under a lock."""
