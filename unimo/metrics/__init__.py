"""unimo.metrics."""
