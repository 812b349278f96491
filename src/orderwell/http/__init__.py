"""The HTTP kernel every area's routes stand on: auth, errors as problem+json, body vetting."""
