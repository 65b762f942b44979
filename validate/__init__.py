"""validate stage (see the project issues)."""
