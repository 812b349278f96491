"""WooCommerce (REST API v3): webhooks in, order status, notes, refunds and stock out."""
