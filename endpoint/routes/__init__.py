"""The endpoint's routes, one router per concern; each gets its state through ``get_context``."""
