"""Package resource tehkg.shapes: SHACL shapes and cross-graph checks of the quality gate."""
