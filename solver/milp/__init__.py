"""The catalog as a mixed-integer program: a model compiled into numbers
per user type and configuration, requirements as rows and conflicts, the
formulation, the solvers behind one interface (the only use of PuLP), cuts,
a local search for a first catalog, and enumeration of every catalog."""
