"""Use cases and the ports they need (DESIGN.md section 1)."""
