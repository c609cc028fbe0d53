"""The device transport (bench/device): parts that travel one per call, checked on arrival,
joined and installed on the device. Shown on small parts here; the real pack is rehearsed by
bench/device/rehearse (README there)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

from tests.conftest import require_gpu_packages

ROOT = Path(__file__).resolve().parents[1]
DEVICE = ROOT / "bench" / "device"
sys.path.insert(0, str(DEVICE))
import parts  # noqa: E402


def files(tmp_path: Path) -> list[tuple[Path, str]]:
    made = []
    for i, size in enumerate((2500, 10, 4000)):
        path = tmp_path / f"f{i}.bin"
        path.write_bytes(os.urandom(size))
        made.append((path, f"payload/f{i}.bin"))
    return made


def test_parts_join_back_to_the_payload(tmp_path):
    sources = files(tmp_path)
    part_list, payload = parts.write_parts(sources, tmp_path / "parts", 1000)
    assert len(part_list) > 3 and all(p["bytes"] <= 1000 for p in part_list)
    assert [p["name"] for p in part_list] == [parts.part_name(i + 1) for i in range(len(part_list))]
    for part in part_list:
        parts.check_part(tmp_path / "parts", part)
    manifest = {"parts": part_list, "files": payload}
    out = parts.extract(tmp_path / "parts", manifest, tmp_path / "out")
    assert len(out) == 3
    for source, name in sources:
        assert (tmp_path / "out" / name).read_bytes() == source.read_bytes()


def test_a_damaged_or_missing_part_is_named(tmp_path):
    part_list, _ = parts.write_parts(files(tmp_path), tmp_path / "parts", 1000)
    second = tmp_path / "parts" / part_list[1]["name"]
    data = bytearray(second.read_bytes())
    data[10] ^= 0xFF
    second.write_bytes(bytes(data))
    with pytest.raises(parts.PackError, match=f"^{part_list[1]['name']}: SHA-256 differs"):
        parts.check_part(tmp_path / "parts", part_list[1])
    second.write_bytes(bytes(data[:-1]))
    with pytest.raises(parts.PackError, match="bytes, expected"):
        parts.check_part(tmp_path / "parts", part_list[1])
    second.unlink()
    with pytest.raises(parts.PackError, match=f"^{part_list[1]['name']}: missing"):
        parts.check_part(tmp_path / "parts", part_list[1])


def run(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, **kw)


@pytest.mark.mnist
def test_pack_manifest_and_parts_agree_and_install_checks_them(tmp_path, mnist_dir):
    """pack (an empty lock: MNIST and the project's wheel only) cuts its payload into parts that
    agree with its manifest; install checks each on arrival, refuses a damaged one by name, and
    installs the pack into a venv where clusterbench imports."""
    lock = tmp_path / "lock.txt"
    lock.write_text("# nothing carried\n")
    out = tmp_path / "parts"
    argv = [str(DEVICE / "pack"), "--lock", str(lock), "--out", str(out), "--data", str(mnist_dir)]
    argv += ["--cache", str(tmp_path / "wheels"), "--part-mib", "3"]
    proc = run(*argv, timeout=600)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / parts.MANIFEST).read_text())
    on_disk = sorted(p.name for p in out.glob("part-*"))
    assert on_disk == [p["name"] for p in manifest["parts"]] and len(on_disk) >= 4
    for part in manifest["parts"]:
        assert (out / part["name"]).stat().st_size == part["bytes"] <= 3 << 20
        assert parts.sha256_of(out / part["name"]) == part["sha256"]
    names = {f["name"] for f in manifest["files"]}
    assert {
        f"mnist/{f}" for f in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    } <= names
    assert any(n.startswith("wheels/clusterbench-") for n in names)
    calls = manifest["calls"]
    assert [c["carry"][0].rsplit("/", 1)[1] for c in calls[:-1]] == on_disk
    assert all(c["carry"][1].endswith(parts.MANIFEST) for c in calls[:-1])
    assert "--image-report" in calls[0]["command"]
    assert calls[-2]["command"].endswith("bench/device/install")  # the last part's call
    assert calls[-1]["carry"] == [] and "gpu_check.sh" in calls[-1]["command"]

    install = str(DEVICE / "install")
    for name in on_disk:  # each carrying call checks what it brought
        assert run(install, "--parts", str(out), "--part", name).returncode == 0

    damaged = out / on_disk[2]
    good = damaged.read_bytes()
    damaged.write_bytes(good[:100] + bytes([good[100] ^ 1]) + good[101:])
    proc = run(install, "--parts", str(out), "--stack", str(tmp_path / "stack"))
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == f"install: {on_disk[2]}: SHA-256 differs from the manifest's (damaged)"
    )
    damaged.write_bytes(good)
    (out / on_disk[1]).rename(tmp_path / "away")  # a machine that went back lost part 2
    proc = run(install, "--parts", str(out), "--part", on_disk[3])
    assert proc.returncode == 2 and proc.stderr.strip() == f"install: {on_disk[1]}: missing"
    (tmp_path / "away").rename(out / on_disk[1])

    require_gpu_packages()  # the venv sees this environment's cuML as the device's sees its own
    proc = run(install, "--parts", str(out), "--stack", str(tmp_path / "stack"), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "clusterbench 0.1.0" in proc.stdout
    env = (tmp_path / "stack" / "env.sh").read_text()
    assert "CLUSTERBENCH_DATA_DIR=" in env and str(tmp_path / "stack" / "venv" / "bin") in env


def test_the_calls_carry_paths_of_the_checkout():
    """carry takes paths relative to the repository root; a part's call names its part there."""
    loader = SourceFileLoader("pack", str(DEVICE / "pack"))
    pack = module_from_spec(spec_from_loader("pack", loader))
    loader.exec_module(pack)
    calls = pack.plan(["part-01", "part-02"], DEVICE / "parts")
    assert [c["carry"] for c in calls] == [
        ["bench/device/parts/part-01", "bench/device/parts/manifest.json"],
        ["bench/device/parts/part-02", "bench/device/parts/manifest.json"],
        [],
    ]
