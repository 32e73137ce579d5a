"""Tools for developers and demonstrations, not for serving: the demo data and the benchmark data set."""
