"""pipeline: cluster-then-label, each stage timed and measured, in one process or on Dask
workers."""
