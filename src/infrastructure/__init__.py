"""Adapters: SQLAlchemy storage, settings, demo data (DESIGN.md section 1)."""
