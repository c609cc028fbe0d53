"""The data layer: verified loaders for MNIST and friends, and the train/test protocols."""

from clusterbench.data.datasets import LOADERS, DataOptions, Dataset, load_dataset
from clusterbench.data.protocols import PROTOCOLS, Split, default_protocol, make_split

__all__ = [
    "LOADERS",
    "PROTOCOLS",
    "DataOptions",
    "Dataset",
    "Split",
    "default_protocol",
    "load_dataset",
    "make_split",
]
