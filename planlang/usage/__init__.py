"""Usage logs and segments: `fit` turns usage events into segments,
`simulate` writes the events a file's segments would make (DuckDB)."""
