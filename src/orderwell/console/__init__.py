"""The operator console: server-rendered pages (Jinja2 + htmx) over the area services."""
