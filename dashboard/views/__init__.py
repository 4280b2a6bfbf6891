"""The HTMX dashboard's project screens (one module per screen)."""
