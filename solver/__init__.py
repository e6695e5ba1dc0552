"""planlang's solver: compile a checked model, find the catalog with the
best objective, and explain it."""
