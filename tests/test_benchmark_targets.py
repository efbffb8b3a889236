"""The speed benchmark's one command (benchmarks/targets.py) runs end to end.

Quick mode, mlaudit only: this proves the command works and reports a row for every
target of the speed issue, never how fast anything is (timings on shared CI machines are
noise; the figures come from running the command itself).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ["case", "mlaudit", "checkov", "ratio", "cpu ratio", "measured", "target", "result"]

# Every target of the issue, by the start of its row's case name.
EXPECTED = (
    "one file, default, warm",
    "one file, --no-context",
    "tree warm, one file changed",
    "tree cold (",
    "tree cold, cpu / wall",
    "tree cold, peak memory",
    "app repository cold",
    "monorepo 2 services cold",
    "monorepo 4 services cold",
    "monorepo 2 services peak memory",
    "monorepo 4 services peak memory",
    "linear: time per file, N=4 / N=2",
    "linear: CPU time per file, N=4 / N=2",
    "linear: peak memory per file, N=4 / N=2",
)


def test_targets_quick_without_checkov(tmp_path: Path) -> None:
    out = tmp_path / "targets.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "targets.py"), "--quick", "--no-checkov",
         "--json", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["checkov"] is None and data["quick"] is True
    rows = {row["case"]: row for row in data["targets"]}
    for prefix in EXPECTED:
        assert [c for c in rows if c.startswith(prefix)], f"no row for {prefix!r}: {list(rows)}"
    assert data["meta"]["app_files"] == 9  # the 9-file application repository
    assert 90 <= data["meta"]["tree_files"] <= 100  # the generated tree, at its quick size
    for case, row in rows.items():
        assert row["checkov_median"] is None and row["ratio"] is None, case
        assert row["cpu_ratio"] is None, case
        if row["op"] is None:
            assert row["result"] == "info", case
        elif row["target"].endswith("x") or row["target"] == "< checkov's":
            # A ratio (or a comparison with checkov) cannot be judged without checkov.
            assert row["passed"] is None and row["result"] == "n/a (no checkov)", case
        else:  # absolute targets are judged on mlaudit alone
            assert isinstance(row["passed"], bool), case
            assert row["result"] == ("pass" if row["passed"] else "FAIL"), case
            assert row["value"] is not None and row["value"] > 0, case
    for key, samples in data["series"].items():
        assert not key.endswith("checkov"), key
        assert samples and all(s["wall"] > 0 and s["cpu"] >= 0 and s["maxrss"] > 0
                               for s in samples), key
    assert {"floor", "one-file/mlaudit", "one-file/mlaudit-no-context", "tree/mlaudit-cold",
            "tree/mlaudit-warm", "tree/mlaudit-warm-one-changed", "app/mlaudit-cold",
            "linear/2/mlaudit-cold", "linear/4/mlaudit-cold"} <= set(data["series"])

    # The table on stdout: the header, a rule, then one line per target row.
    lines = done.stdout.splitlines()
    header = lines[0].replace("cpu ratio", "cpu_ratio").split()
    assert header == [c.replace(" ", "_") for c in COLUMNS]
    assert set(lines[1].replace(" ", "")) == {"-"}
    body = lines[2:2 + len(rows)]
    for line, case in zip(body, rows, strict=True):
        assert line.startswith(case), (line, case)
    assert "checkov not found" in done.stdout
