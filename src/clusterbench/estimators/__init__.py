"""estimators: the project's own estimators the registry names beside the libraries' ones."""
