"""Reports computed from the transparency log, signed with its key, and checked against it."""
