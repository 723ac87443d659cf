"""The number inventory's domain: plain Python, no framework (DESIGN.md section 1)."""
