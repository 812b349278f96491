"""Orders: placing them (one by one or in groups), changing them, reading them."""
