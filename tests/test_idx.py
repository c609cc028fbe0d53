"""The IDX reader on valid files and on every kind of damage."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from clusterbench.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from clusterbench.errors import DataError
from tests.conftest import idx_bytes


@pytest.mark.parametrize("compress", [True, False])
def test_reads_valid_images_raw_and_gz(tmp_path, compress):
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    data = idx_bytes(images)
    path = tmp_path / "x"
    path.write_bytes(gzip.compress(data) if compress else data)
    parsed = read_idx(path, IMAGES_MAGIC)
    assert parsed.array.dtype == np.uint8
    np.testing.assert_array_equal(parsed.array, images)


def test_reads_labels(tmp_path):
    (tmp_path / "l").write_bytes(idx_bytes(np.array([3, 1, 4, 1, 5])))
    assert read_idx(tmp_path / "l", LABELS_MAGIC).array.tolist() == [3, 1, 4, 1, 5]


def test_checksum_is_of_decompressed_content(tmp_path):
    data = idx_bytes(np.array([1, 2, 3]))
    (tmp_path / "raw").write_bytes(data)
    (tmp_path / "gz").write_bytes(gzip.compress(data))
    raw, gz = read_idx(tmp_path / "raw", LABELS_MAGIC), read_idx(tmp_path / "gz", LABELS_MAGIC)
    assert raw.sha256 == gz.sha256
    assert raw.sha256 != read_idx(_write(tmp_path, idx_bytes(np.array([1, 2, 4]))), 0x801).sha256


def _write(tmp_path, data: bytes, name: str = "f"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


GOOD = idx_bytes(np.zeros((3, 28, 28)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (idx_bytes(np.zeros(3)), "wrong magic number 0x00000801, expected 0x00000803"),
        (GOOD[:-5], "payload truncated"),
        (GOOD + b"\x00", "trailing bytes"),
        (GOOD[:10], "header truncated"),
        (b"\x00\x00", "too short"),
        (gzip.compress(GOOD)[:-30], "corrupt gzip"),
        (b"\x1f\x8b" + b"not gzip at all", "corrupt gzip"),
        ((0x803).to_bytes(4, "big") + (0).to_bytes(4, "big") * 3, "invalid dimensions"),
    ],
    ids=["magic", "truncated", "trailing", "header", "short", "gz-truncated", "gz-corrupt", "dims"],
)
def test_rejects_bad_files_with_a_clear_message(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(DataError, match=message) as info:
        read_idx(path, IMAGES_MAGIC)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_idx(tmp_path / "nope", IMAGES_MAGIC)
