"""Orders: capture and placement (one by one or in groups), input rules, holds and cancellations, channel settings, read models."""
