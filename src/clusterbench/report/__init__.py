"""report: results/README.md, results.csv, the plots and the HTML page, rebuilt from result
records alone, one module per section."""

from clusterbench.report.build import DEFAULT_OUT, HostPair, build_report, grid_table

__all__ = ["DEFAULT_OUT", "HostPair", "build_report", "grid_table"]
