"""What users do (spec sections 4, 8 and 9), without a solver: buckets of
users, plans' configurations, the independent scalar evaluator, its
vectorized twin for every purchase, and the rules for comparing amounts."""
