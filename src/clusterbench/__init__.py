"""clusterbench: cluster-then-label MNIST on twin CPU and GPU backends."""

__version__ = "0.1.0"
