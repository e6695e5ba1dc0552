"""What is asked of a model: its best catalog (optimize), why there is none
(infeasible), what each requirement costs (sensitivity), what-if grids
(sweep), sampled worlds (risk), and many solves on Dask (cluster)."""
