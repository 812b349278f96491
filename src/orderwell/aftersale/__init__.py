"""After the sale: payments, late cancellation, returns (RMA), refunds and exchanges."""
