"""A short coverage-guided fuzz run of the language in the suite (a longer one is in the README)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_short_coverage_guided_fuzz_run_finds_no_crash(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    shutil.copytree(HERE / "corpus", corpus)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.engine.lang.fuzz_parser",
            str(corpus),
            "-runs=4000",
            "-max_len=300",
            "-seed=1",
            "-timeout=5",
        ],
        cwd=HERE.parents[2],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done 4000 runs" in result.stderr


def test_fuzz_target_accepts_and_rejects_without_crashing() -> None:
    from tests.engine.lang.fuzz_parser import check

    for sample in (HERE / "corpus").iterdir():
        check(sample.read_bytes())
    for data in (b"", b"\xff\xfe", b"x = (((", b"f = 9**9**9", b"\x00", "x = 1\ny = x\u202e".encode()):
        check(data)
