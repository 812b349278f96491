"""CLI command groups, one module per area, registered in ``orderwell.cli``."""
