"""unimo.data."""
