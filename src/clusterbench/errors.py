"""The one exception type users see: a one-line message, no traceback."""


class ClusterbenchError(Exception):
    """A problem with the user's input or environment, reported in one line by the CLI."""


class DataError(ClusterbenchError):
    """A data file or directory that is missing, malformed or not what it claims to be."""


class ConfigError(ClusterbenchError):
    """Options that do not fit together, or that no method can use."""


class BackendError(ClusterbenchError):
    """The requested compute backend cannot run on this machine."""


class NoClusterError(ClusterbenchError):
    """The clustering put every training digit into noise: there is nothing to label."""
