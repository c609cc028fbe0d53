"""The DBSCAN parameter grid: every (eps, min_samples) scored against the true labels, on Dask."""
