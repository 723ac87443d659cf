"""The number inventory's domain: plain Python, no framework (docs/architecture.md)."""
