"""Shopify: webhooks in, the Admin REST API out, backfill and reconciliation."""
