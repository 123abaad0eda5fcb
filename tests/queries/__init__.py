"""Package resource tehkg.queries: competency questions with their expected answers."""
