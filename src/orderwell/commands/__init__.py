"""Sub-commands of ``orderwell``, one module per area, registered in ``cli.py``."""
