"""records: the result schema, typed records of every kind, written as versioned JSON and read
back by every consumer.

Every producer (run, budget, grid, suite, the bench scripts) builds one of these records and
every consumer (report, compare, --from-grid, the tests) reads one, so a field means the same
thing everywhere.
"""

from clusterbench.records.cases import (
    BudgetPoint,
    BudgetRecord,
    CaseRecord,
    GridRecord,
    GridTiming,
    ScalePoint,
    ScaleRecord,
)
from clusterbench.records.encoding import now_iso, write_record
from clusterbench.records.provenance import Environment
from clusterbench.records.reading import Record, kind_of, load_record
from clusterbench.records.run import DataInfo, RunRecord, StageTimes, Timing
from clusterbench.records.schema import SCHEMA_VERSION
from clusterbench.records.suite import StudyRecord, SuiteCase, SuiteRecord

__all__ = [
    "SCHEMA_VERSION",
    "BudgetPoint",
    "BudgetRecord",
    "CaseRecord",
    "DataInfo",
    "Environment",
    "GridRecord",
    "GridTiming",
    "Record",
    "RunRecord",
    "ScalePoint",
    "ScaleRecord",
    "StageTimes",
    "StudyRecord",
    "SuiteCase",
    "SuiteRecord",
    "Timing",
    "kind_of",
    "load_record",
    "now_iso",
    "write_record",
]
