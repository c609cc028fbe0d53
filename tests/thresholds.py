"""Lower bounds of the tests whose results depend on a stochastic method (k-means, spectral
clustering, UMAP), in one table that the tests and bench/threshold_margins.py both read: the
published margins (results/tests/threshold-margins-*.json) are the margins of these bounds."""

DIGITS_ACCURACY = {"kmeans": 0.70, "spectral": 0.70, "spectral-nystrom": 0.70, "dbscan": 0.75}
DIGITS_KMEANS_ARI = 0.5
UMAP_DIGITS_ACCURACY = {"umap-kmeans": 0.80, "umap-spectral": 0.85, "umap-hdbscan": 0.85}
MNIST_SPECTRAL = {"test_accuracy": 0.6, "ari": 0.45}
MNIST_UMAP_KMEANS_ACCURACY = 0.75
BUDGET_ACCURACY = 0.7
