"""Sub-commands of the `orderwell` CLI, one module per area."""
