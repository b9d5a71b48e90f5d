"""Member municipalities of the M4EG network (the full registry grows here)."""
