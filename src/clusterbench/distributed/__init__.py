"""The pipeline on Dask arrays partitioned over workers: a local cluster or an existing
scheduler, dask-ml on CPU workers and cuml.dask on dask-cuda workers (the registry's `dask` and
`dask_gpu` columns). The digits are made or read by the workers, chunk by chunk."""
