"""Package resource tehkg.data: the curated graph, one TriG file per source or editorial graph."""
