"""HTTP plumbing shared by every area's routes: auth, errors, bodies, responses, tokens."""
