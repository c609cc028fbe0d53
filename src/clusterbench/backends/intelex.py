"""scikit-learn-intelex's backend: oneDAL's estimators where it has them, the stock ones
elsewhere."""

from __future__ import annotations

from clusterbench.backends.base import Backend


class IntelexBackend(Backend):
    """Stock scikit-learn with scikit-learn-intelex's oneDAL estimators where it has them,
    imported from sklearnex's own modules (no global patch of scikit-learn)."""

    name = "cpu-intelex"
    column = "intelex"
    dask_column = None  # oneDAL's estimators are single-process
