"""Data-access functions, one module per table family; callers own the transaction."""
