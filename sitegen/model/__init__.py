"""Model stage: one immutable site graph with every citation and cross-link resolved."""
