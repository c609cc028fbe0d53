"""report: results/README.md, results.csv, the plots and the HTML page, rebuilt from result
records alone, one module per section."""

from clusterbench.report.build import DEFAULT_OUT, build_report
from clusterbench.report.speedups import HostPair
from clusterbench.report.tables import grid_table

__all__ = ["DEFAULT_OUT", "HostPair", "build_report", "grid_table"]
