"""glibc's mmap threshold: pinned for the live server, raised while a bulk reader runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: In a fresh process: page faults taken by 40 rounds of allocating, filling and freeing a 2 MB
#: array (with a small block left above each, as a reader's other data would be), pinned,
#: inside two nested bulk readers, inside the outer one only, and after both ended.
PROBE = """
import json, resource
import numpy as np
from torchscope import heap

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    kept = []
    for _ in range(40):
        block = np.ones(1 << 18)  # 2 MB, every page touched
        kept.append(bytearray(2000))  # a small block above it: the heap's top stays in use
        del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

out = {}
out["pinned_applied"] = heap.keep_transient_blocks_out_of_the_heap()
out["pinned"] = faults()
with heap.bulk_reading():
    with heap.bulk_reading():
        out["bulk"] = faults()
    out["outer_bulk"] = faults()
out["after"] = faults()
print(json.dumps(out))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_bulk_reading_reuses_large_blocks_and_the_pin_comes_back() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    faults = json.loads(run.stdout)
    assert faults["pinned_applied"] is True
    pages = 40 * (2 << 20) // 4096  # fresh mappings: one fault per page
    # Pinned: each array is a fresh mapping, faulted page by page.
    assert faults["pinned"] > pages // 2
    # A bulk reader gets its blocks back from the heap.
    assert faults["bulk"] < pages // 4
    assert faults["outer_bulk"] < pages // 4  # still inside the outer reader
    # The last reader out pins the threshold again.
    assert faults["after"] > pages // 2
