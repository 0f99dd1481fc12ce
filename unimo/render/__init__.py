"""unimo.render."""
