"""Reading the append-only audit log: a filterable list and the history of one object."""
