"""Adapters: SQLAlchemy storage, settings, demo data (docs/architecture.md)."""
