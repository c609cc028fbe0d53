"""Grid specifications: `--eps-range START:STOP:NUM` (linspace) x
`--min-samples-range START:STOP:STEP` (range)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clusterbench.errors import ConfigError

STUDY_EPS = "0.1:5.0:50"
STUDY_MIN_SAMPLES = "2:202:10"
MAX_AXIS = 10_000  # values per axis: the study's grid has 50 x 20; a million rows is no grid


def _fields(text: str, option: str, form: str) -> list[str]:
    parts = text.split(":")
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise ConfigError(f"{option} {text!r}: expected {form}")
    return parts


def parse_eps(text: str) -> tuple[float, ...]:
    """START:STOP:NUM, NUM values evenly spaced from START to STOP inclusive (np.linspace)."""
    start_s, stop_s, num_s = _fields(text, "--eps-range", "START:STOP:NUM, e.g. 0.1:5.0:50")
    try:
        start, stop, num = float(start_s), float(stop_s), int(num_s)
    except ValueError:
        raise ConfigError(
            f"--eps-range {text!r}: START and STOP must be numbers, NUM a whole number"
        ) from None
    if not (np.isfinite(start) and np.isfinite(stop)):
        raise ConfigError(f"--eps-range {text!r}: START and STOP must be finite")
    if start <= 0 or stop <= 0:
        raise ConfigError(f"--eps-range {text!r}: eps must be > 0")
    if num < 1:
        raise ConfigError(f"--eps-range {text!r}: NUM must be >= 1 (the range is empty)")
    if stop < start:
        raise ConfigError(f"--eps-range {text!r}: STOP must be >= START")
    if (num == 1) != (start == stop):
        raise ConfigError(
            f"--eps-range {text!r}: NUM 1 takes START alone, so START and STOP must be equal; "
            "and two or more values need STOP > START"
        )
    if num > MAX_AXIS:
        raise ConfigError(f"--eps-range {text!r}: NUM above {MAX_AXIS:,} is not a useful grid")
    return tuple(float(v) for v in np.linspace(start, stop, num))


def parse_min_samples(text: str) -> tuple[int, ...]:
    """START:STOP:STEP, as Python's range(START, STOP, STEP) (STOP excluded)."""
    fields = _fields(text, "--min-samples-range", "START:STOP:STEP, e.g. 2:202:10")
    try:
        start, stop, step = (int(f) for f in fields)
    except ValueError:
        raise ConfigError(
            f"--min-samples-range {text!r}: expected whole numbers START:STOP:STEP"
        ) from None
    if start < 1:
        raise ConfigError(f"--min-samples-range {text!r}: min_samples must be >= 1")
    if step < 1:
        raise ConfigError(f"--min-samples-range {text!r}: STEP must be >= 1")
    if len(range(start, stop, step)) > MAX_AXIS:
        raise ConfigError(f"--min-samples-range {text!r}: more than {MAX_AXIS:,} values")
    values = tuple(range(start, stop, step))
    if not values:
        raise ConfigError(
            f"--min-samples-range {text!r}: the range is empty (STOP must be > START)"
        )
    return values


@dataclass(frozen=True)
class GridSpec:
    eps: tuple[float, ...]
    min_samples: tuple[int, ...]

    @classmethod
    def parse(cls, eps: str = STUDY_EPS, min_samples: str = STUDY_MIN_SAMPLES) -> GridSpec:
        return cls(parse_eps(eps), parse_min_samples(min_samples))

    def configs(self) -> list[tuple[float, int]]:
        return [(e, m) for m in self.min_samples for e in self.eps]

    def __len__(self) -> int:
        return len(self.eps) * len(self.min_samples)
