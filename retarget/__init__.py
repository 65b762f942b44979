"""retarget stage (see the project issues)."""
