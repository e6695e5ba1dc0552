"""The answer in the user's terms: its schema (the JSON of `solve --json`),
the inverse map from an evaluated catalog to it (describe), and catalogs
named by their choices (choose, for `eval`)."""
