"""The data layer: verified loaders for MNIST and friends, and the train/test protocols."""

from clusterbench.data.datasets import LOADERS, DataOptions, Dataset, check_options, load_dataset
from clusterbench.data.protocols import PROTOCOLS, Split, default_protocol, make_split

__all__ = [
    "LOADERS",
    "PROTOCOLS",
    "DataOptions",
    "Dataset",
    "Split",
    "check_options",
    "default_protocol",
    "load_dataset",
    "make_split",
]
