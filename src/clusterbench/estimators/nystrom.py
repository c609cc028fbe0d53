"""The k-means that labels dask-ml's Nystrom spectral embedding, on few partitions.

dask-ml's SpectralClustering (2025.1) puts the embedding back in the digits' order by
concatenating about two slices per Nystrom sample: 595 partitions of a few rows each for 300
samples. Its own k-means|| then schedules thousands of tiny tasks per pass (about 20 s a pass
on 15,000 digits on two local workers, against 0.1 s here), and the embedding it persisted is
released when `fit` returns, so that on a distributed client its lazy labels lose their data.
This k-means, handed to SpectralClustering as `assign_labels`, gathers the embedding into
partitions of `CHUNK_ROWS` rows, persists that, and holds it (`embedding_`) for `labels_`.
"""

from __future__ import annotations

from typing import Any

from dask_ml.cluster import KMeans

CHUNK_ROWS = 100_000  # rows of the (n x clusters) embedding per partition: 8 MB for 10 clusters


class EmbeddingKMeans(KMeans):
    """dask-ml's KMeans, fitted on its input gathered into partitions of CHUNK_ROWS rows."""

    def fit(self, X: Any, y: Any = None) -> EmbeddingKMeans:
        self.embedding_ = X.rechunk({0: CHUNK_ROWS}).persist()
        return super().fit(self.embedding_)
