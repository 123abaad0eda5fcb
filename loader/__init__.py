"""tehkg.loader: parse, validate and build the knowledge graph store."""
