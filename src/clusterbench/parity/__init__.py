"""parity: whether two results are the same result, within the tolerance policy."""
