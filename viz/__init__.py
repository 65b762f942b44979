"""viz stage (see the project issues)."""
