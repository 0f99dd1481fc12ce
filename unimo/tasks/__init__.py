"""unimo.tasks."""
