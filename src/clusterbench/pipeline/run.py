"""One benchmark run, written once for both executors: check, load, fit and predict (the cold
run, then the warm ones), score, and build the record.

Where it runs is chosen once, here, from the config (`cluster` set: on Dask workers); what
differs between in-process and on-workers lives in the executors (local.py, workers.py).
"""

from __future__ import annotations

import time

from clusterbench.backends import select_backend
from clusterbench.errors import ConfigError
from clusterbench.metrics import labelling_scores
from clusterbench.pipeline.checks import fit_params
from clusterbench.pipeline.config import RunConfig
from clusterbench.pipeline.local import InProcess
from clusterbench.pipeline.timing import timed_fit_predict
from clusterbench.pipeline.workers import OnWorkers
from clusterbench.progress import Log, stderr_log
from clusterbench.records import Environment, RunRecord, Timing
from clusterbench.registry import method_params


def run(config: RunConfig, log: Log = stderr_log) -> RunRecord:
    """Run the pipeline `config.repeat` times on one load of the data; return the result record.

    The first run is the cold one, the others are warm; every run's memory is measured alike
    (the same overhead), and the record keeps the cold run's peaks per stage.
    """
    executor_of = OnWorkers if config.cluster is not None else InProcess
    executor_of.check(config)
    config.params.check()
    backend = select_backend(config.backend)
    executor = executor_of(config, backend, log)
    executor.check_backend()
    log(f"backend: {executor.backend_name} ({executor.backend_reason})")
    environment = Environment.collect(backend)  # before the work: the code as it starts
    with executor.session():
        start = time.perf_counter()
        loaded = executor.load()
        if config.expected_fingerprint not in (None, loaded.info.fingerprint):
            raise ConfigError(
                f"{loaded.info.dataset} from {loaded.info.source} is not the data the grid was "
                "computed on"
            )
        params = fit_params(config.params, loaded.split, config.method, log)
        load_s = time.perf_counter() - start
        log(f"data: {loaded.summary} in {load_s:.1f} s")
        model = executor.model(params, lambda stage: log(f"cold run: {stage} ..."))
        y_pred, cold = timed_fit_predict(model, loaded.split, backend.synchronize)
        log(f"cold run: done in {cold.total_s:.1f} s")
        outcome = executor.outcome(model, loaded)
        labelling = labelling_scores(loaded.split.y_test, y_pred, model.n_classes_)
        memory = model.peaks_
        del model  # its arrays are freed (on Dask: leave the workers) before the warm runs
        warm = []
        for i in range(1, config.repeat):
            # sampled like the cold run: the same overhead
            _, times = timed_fit_predict(executor.model(params), loaded.split, backend.synchronize)
            log(f"warm run {i}/{config.repeat - 1}: done in {times.total_s:.1f} s")
            warm.append(times)
    return RunRecord(
        data=loaded.info,
        backend=executor.backend_name,
        backend_reason=executor.backend_reason,
        method=config.method,
        params=method_params(config.method, params),
        metrics={**labelling, **outcome.scores},
        timing=Timing(load_s, cold, warm),
        memory=memory,
        environment=environment,
        implementations=dict(backend.implementations),
        solvers=dict(backend.solvers),
        cluster=outcome.cluster,
        gallery=outcome.gallery,
    )
