"""The secrets rules' per-file analysis: computed once per file content, cached as
positions (never values), read back on a warm scan, and the same findings every way."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlaudit.analysis import SCHEMA
from mlaudit.cli import main
from mlaudit_rules.secrets._detect import candidate_lines, could_hold_secret
from tests.helpers import FIXTURES, REPO
from tests.planted_secrets import planted_secrets

# A secret of each detector family, and look-alikes that are none.
SECRETS_TF = """\
variable "db_password" {
  default = "Zq4Vt7Wx2Ya5Bc8De1Fg"
}

resource "aws_iam_access_key" "ci" {
  user = "ci"
}

locals {
  aws_access_key_id     = "AKIAZ7Q2WMBXK4TRD3PL"
  aws_secret_access_key = "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"
  hf_token              = "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"
  github_token          = "ghp_Rk8Wm2Xq7Lz4Pv9Tn3Bc6Hd1Jf5Gs0Ya8Ue"
  name                  = "model-service"
}
"""
CLEAN_TF = """\
resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = var.cluster_arn
  desired_count   = 2
  launch_type     = "FARGATE"
}
"""


def _scan(repo: Path, cache: Path | None, capsys: pytest.CaptureFixture[str],
          *extra: str) -> list[dict[str, object]]:
    capsys.readouterr()
    cache_args = ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    main(["scan", str(repo), "--format", "json", *cache_args, *extra])
    findings: list[dict[str, object]] = json.loads(capsys.readouterr().out)["findings"]
    return findings


def _analysis_entries(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / f"analysis-v{SCHEMA}").rglob("*.json"))


def _repo(tmp_path: Path, copies: int = 1) -> Path:
    repo = tmp_path / "repo"
    for i in range(copies):
        module = repo / f"m{i:03d}"
        module.mkdir(parents=True)
        (module / "secrets.tf").write_text(SECRETS_TF, encoding="utf-8")
        (module / "main.tf").write_text(CLEAN_TF, encoding="utf-8")
    return repo


def test_warm_scan_reads_the_analysis_back_and_reports_the_same(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _repo(tmp_path)
    cache = tmp_path / "cache"
    uncached = _scan(repo, None, capsys)
    rules = {f["rule"] for f in uncached}
    assert {"MLA101", "MLA102", "MLA105"} <= rules
    cold = _scan(repo, cache, capsys)
    assert cold == uncached
    entries = _analysis_entries(cache)
    assert len(entries) == 2  # one per file
    for entry in entries:
        text = entry.read_text(encoding="utf-8")
        for secret in ("AKIAZ7Q2WMBXK4TRD3PL", "Zq4Vt7Wx2Ya5Bc8De1Fg", "ghp_Rk8Wm2Xq7",
                       "r8Tq2Lm9Vx4Kp7Wz3Ny6", "hf_QwErTyUiOp"):
            assert secret not in text
    assert _scan(repo, cache, capsys) == cold


def test_a_warm_scan_runs_no_detector(tmp_path: Path) -> None:
    """From the cache, a file holding secrets is reported without importing
    detect-secrets: the detectors ran once, on the cold scan."""
    repo = _repo(tmp_path)
    probe = ("import json, sys\nfrom mlaudit.cli import main\n"
             "import io, contextlib\nout = io.StringIO()\n"
             "with contextlib.redirect_stdout(out):\n"
             "    main(['scan', sys.argv[1], '--format', 'json', '--cache-dir', sys.argv[2]])\n"
             "rules = sorted({f['rule'] for f in json.loads(out.getvalue())['findings']})\n"
             "print(json.dumps([rules, 'detect_secrets' in sys.modules]))\n")
    env_path = ":".join(str(REPO / d) for d in ("linter", "rules", "reports"))

    def run() -> list[object]:
        done = subprocess.run([sys.executable, "-c", probe, str(repo), str(tmp_path / "c")],
                              capture_output=True, text=True, timeout=120, check=True,
                              env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
        result: list[object] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    cold, warm = run(), run()
    assert cold[1] is True and warm[1] is False
    assert cold[0] == warm[0] and "MLA102" in cold[0]  # type: ignore[operator]


@pytest.mark.parametrize("tamper", ["out-of-range", "not-a-list", "planted-label",
                                    "not-json", "old-schema"])
def test_a_tampered_analysis_entry_is_a_miss(
        tamper: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _repo(tmp_path)
    cache = tmp_path / "cache"
    clean = _scan(repo, cache, capsys)
    for entry in _analysis_entries(cache):
        document = json.loads(entry.read_text(encoding="utf-8"))
        rows = document["value"]["detected"]
        if tamper == "out-of-range" and rows:
            rows[0][1] = 10 ** 6
        elif tamper == "not-a-list" and rows:
            rows[0] = {"line": 1}
        elif tamper == "planted-label" and rows:
            rows[0][3] = "<script>"
        elif tamper == "old-schema":
            document["schema"] = SCHEMA + 1
        text = "{not json" if tamper == "not-json" else json.dumps(document)
        entry.write_text(text, encoding="utf-8")
    assert _scan(repo, cache, capsys) == clean


def test_a_pool_of_workers_finds_what_one_process_finds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Enough files for the process pool: its results, cached and attached, are the
    serial run's."""
    repo = _repo(tmp_path, copies=30)  # 60 files: over the pool threshold
    serial = _scan(repo, None, capsys, "--jobs", "1")
    pooled = _scan(repo, tmp_path / "cache", capsys, "--jobs", "2")
    assert pooled == serial
    assert len(_analysis_entries(tmp_path / "cache")) == 60
    assert _scan(repo, tmp_path / "cache", capsys, "--jobs", "2") == serial


def test_no_planted_secret_is_in_any_analysis_entry(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    capsys.readouterr()
    main(["scan", str(FIXTURES), "--root", str(REPO), "--format", "json",
          "--cache-dir", str(cache), "--no-context"])
    cold = json.loads(capsys.readouterr().out)["findings"]
    entries = _analysis_entries(cache)
    assert len(entries) > 300
    secrets = planted_secrets()
    leaks = [(p.name, s) for p in entries for s in secrets
             if s in p.read_text(encoding="utf-8")]
    assert not leaks
    main(["scan", str(FIXTURES), "--root", str(REPO), "--format", "json",
          "--cache-dir", str(cache), "--no-context"])
    assert json.loads(capsys.readouterr().out)["findings"] == cold


# --- the combined pre-filter is the per-line test, exactly --------------------------------

_PIECES = ["pass", "PASSWORD", "Token", "api_key", "apikey", "AUTH", "priv", "pwd",
           "credential", "contrase", "-----BEGIN", "ghp_", "github_pat_", "glpat-", "xoxb-",
           "hooks.slack.com", "sk_live_", "sk-", "SG.", "eyJ", "npm_", "pypi-", "AKCx",
           "AccountKey=", "sq0csp-", "://u:p@h", "webhook.office.com", "'", '"', " = ",
           "Zq4Vt7Wx2Ya5Bc8De1Fg3H", "aws_ecs_task_definition_x", "0123456789abcdef0123",
           "ACabcdef0123456789abcdef0123456789", "İ", "K", "\t", "name", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=6).map("".join), max_size=12))
def test_candidate_lines_is_the_per_line_test(lines: list[str]) -> None:
    assert candidate_lines(lines) == [i for i, line in enumerate(lines)
                                      if could_hold_secret(line)]


def test_candidate_lines_on_every_fixture_file() -> None:
    files = [p for p in FIXTURES.rglob("*") if p.is_file() and p.stat().st_size < 200_000]
    random.Random(16).shuffle(files)
    checked = 0
    for path in files[:600]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        assert candidate_lines(lines) == [i for i, line in enumerate(lines)
                                          if could_hold_secret(line)], path
        checked += 1
    assert checked > 300


def test_lines_with_reads_lines_that_hold_breaks_of_their_own() -> None:
    """Callers pass one built line (`NAME = "value"`) whose value may span lines."""
    from mlaudit_rules.secrets._aws import find_aws_keys

    value = 'aws_secret_access_key = "x\nr8Tq2Lm9Vx4Kp7Wz3Ny6Bc1Hd5Jf0Gs8Qa2Ue4Io"'
    assert [k.kind for k in find_aws_keys([value])] == ["secret access key"]
    assert candidate_lines(["a\npassword = 1", "x"]) == [0]


def test_the_keyword_plugin_finds_nothing_on_a_line_without_its_words() -> None:
    """`detect` skips detect-secrets' keyword plugin on lines without one of its words:
    on every fixture line (and under every file type it knows), the plugin agrees."""
    from detect_secrets.plugins.keyword import KeywordDetector

    from mlaudit_rules.secrets._detect import _keyword_words

    words = _keyword_words()
    assert words is not None
    plugin = KeywordDetector()
    lines = {line.rstrip() for path in FIXTURES.rglob("*") if path.is_file()
             and path.stat().st_size < 200_000
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
             if could_hold_secret(line)}
    skipped = [line for line in lines if words.search(line) is None]
    assert len(skipped) > 100
    for name in ("x.py", "x.yaml", "x.cfg", "x.go", "x.tf", "x.js", "x.java", "x.c"):
        assert not [line for line in skipped if plugin.analyze_line(filename=name, line=line)]


def test_an_entry_moved_under_another_files_key_is_a_miss(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Positions read against another file's text would report other text: an entry
    names its own key."""
    repo = _repo(tmp_path)
    cache = tmp_path / "cache"
    clean = _scan(repo, cache, capsys)
    first, second = _analysis_entries(cache)
    one, two = first.read_bytes(), second.read_bytes()
    first.write_bytes(two)
    second.write_bytes(one)
    assert _scan(repo, cache, capsys) == clean
