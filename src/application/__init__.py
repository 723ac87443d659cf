"""Use cases and the ports they need (docs/architecture.md)."""
