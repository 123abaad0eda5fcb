"""SELECT queries over a store, typed as what they are: the solutions of a SELECT."""

import pyoxigraph as ox


def select(store: ox.Store, query: str) -> ox.QuerySolutions:
    """The solutions of the SELECT ``query`` over ``store``, its default graph the union of its graphs."""
    solutions = store.query(query, use_default_graph_as_union=True)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query[:80]}")
    return solutions
