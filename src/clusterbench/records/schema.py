"""The result schema's version, and the timing bases every record spells out.

Timings say their basis: `load_s` is reading and splitting the data and is never inside a
total; `cold` is the first fit+predict in the process (on the GPU it includes context creation
and JIT compilation); `warm` keeps each later run's seconds per stage.
"""

SCHEMA_VERSION = 2
BASES = {
    "load": "reading, checking and splitting the data; never inside a total",
    "cold": "the first fit+predict in a fresh process (on the GPU: with context creation and "
    "JIT compilation); data loading excluded",
    "warm": "later fit+predict runs in the same process on the loaded data, each run kept",
}
