"""Orders: capture and placement, input rules, holds and cancellations, channel settings, read models."""
