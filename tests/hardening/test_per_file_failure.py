"""One hostile file costs that file, never the scan (issue 17, "One file ends the whole
scan" and "Hangs"): special files, loops, undecodable names, evaluator errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlaudit.cli import main
from tests.hardening.conftest import sibling_reported, time_limit
from tests.helpers import scan_dir


def _codes(result) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for d in result.diagnostics:
        out.setdefault(d.code, []).append(d.span.path if d.span else "")
    return out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_skipped_with_a_notice_never_opened(sibling: Path) -> None:
    os.mkfifo(sibling / "docker-compose.yml")  # a reader would block forever
    with time_limit(60):
        result = scan_dir(sibling)
    assert _codes(result)["special-file"] == ["docker-compose.yml"]
    assert sibling_reported(result.active)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_on_the_command_line(sibling: Path) -> None:
    os.mkfifo(sibling / "Dockerfile")
    with time_limit(60):
        result = scan_dir(sibling, paths=[sibling / "Dockerfile", sibling / "sibling"])
    assert _codes(result)["special-file"] == ["Dockerfile"]
    assert sibling_reported(result.active)


def test_looping_file_symlinks(sibling: Path) -> None:
    (sibling / "a.yml").symlink_to("b.yml")
    (sibling / "b.yml").symlink_to("a.yml")
    (sibling / "Dockerfile").symlink_to("Dockerfile")
    result = scan_dir(sibling)
    assert sorted(_codes(result)["symlink-broken"]) == ["Dockerfile", "a.yml", "b.yml"]
    assert sibling_reported(result.active)


@pytest.mark.skipif(os.name != "posix", reason="byte file names are a POSIX matter")
def test_undecodable_names(sibling: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_dir = os.fsdecode(b"svc-\xff")
    (sibling / bad_dir).mkdir()
    (sibling / bad_dir / "Dockerfile").write_text("FROM python:latest\n", encoding="utf-8")
    (sibling / os.fsdecode(b"Dockerfile.\xfe")).write_text("FROM x\n", encoding="utf-8")
    result = scan_dir(sibling)
    assert sorted(_codes(result)["undecodable-name"]) == ["svc-\\xff"]
    assert sibling_reported(result.active)
    # Every report format writes them (escaped), with the cache on.
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        code = main(["scan", "--format", fmt, str(sibling), "--root", str(sibling)])
        out = capsys.readouterr().out
        assert code == 1 and "xff" in out and "\udcff" not in out, fmt


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permissions do not stop root from reading a directory")
def test_unreadable_directory_is_a_diagnostic(sibling: Path) -> None:
    locked = sibling / "locked"
    locked.mkdir()
    (locked / "Dockerfile").write_text("FROM python:latest\n", encoding="utf-8")
    locked.chmod(0)
    try:
        result = scan_dir(sibling)
    finally:
        locked.chmod(0o755)
    assert _codes(result)["unreadable-directory"] == ["locked"]
    assert sibling_reported(result.active)


@pytest.mark.parametrize("body", [
    'locals {\n  x = format("%s-%s", "one")\n}\n',  # StopIteration before
    'locals {\n  x = format("%d", 1e400)\n  y = format("%99999999999d", 1)\n}\n',
    'locals {\n  x = floor(1e400)\n  y = jsondecode("1e400")\n  z = tonumber("9e9999")\n}\n',
    'locals {\n  n = tonumber("' + "9" * 5000 + '")\n  s = "${local.n}"\n}\n',
], ids=["format-too-few", "format-overflow", "overflow", "int-string-limit"])
def test_evaluator_errors_cost_one_value(sibling: Path, body: str) -> None:
    (sibling / "infra").mkdir()
    (sibling / "infra" / "main.tf").write_text(
        body + 'output "x" {\n  value = local.x\n}\n' if "local.x" not in body and
        "x =" in body else body, encoding="utf-8")
    result = scan_dir(sibling)
    assert sibling_reported(result.active)
    assert not [d for d in result.diagnostics if "internal" in d.message]


def test_string_doubling_locals_are_bounded(sibling: Path) -> None:
    lines = ['locals {', '  s0 = "abcdefghijklmnopqrstuvwxyz0123456789"']
    lines += [f'  s{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"' for i in range(1, 60)]
    lines += ['  n0 = 99999999999']
    lines += [f'  n{i} = local.n{i - 1} * local.n{i - 1}' for i in range(1, 40)]
    lines += ['  l0 = ["a", "b"]']
    lines += [f'  l{i} = concat(local.l{i - 1}, local.l{i - 1})' for i in range(1, 60)]
    lines += ['  j = join(",", local.l40)', '}']
    (sibling / "main.tf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with time_limit(60):
        result = scan_dir(sibling)
    limited = [d for d in result.diagnostics if d.code == "limit-exceeded"]
    assert {d.span.path for d in limited if d.span} == {"main.tf"}
    assert len(limited) >= 3  # the string, the number, the list
    assert sibling_reported(result.active)


def test_module_fan_out_is_bounded(sibling: Path) -> None:
    """Ten calls per level, nine levels: a billion instances without a bound."""
    for level in range(1, 10):
        directory = sibling / "fan" / "modules" / f"m{level}"
        directory.mkdir(parents=True)
        if level == 9:
            text = 'resource "aws_s3_bucket" "b" {}\n'
        else:
            text = "".join(f'module "c{c}" {{\n  source = "../m{level + 1}"\n}}\n'
                           for c in range(10))
        (directory / "main.tf").write_text(text, encoding="utf-8")
    (sibling / "fan" / "main.tf").write_text(
        "".join(f'module "c{c}" {{\n  source = "./modules/m1"\n}}\n' for c in range(10)),
        encoding="utf-8")
    with time_limit(120):
        result = scan_dir(sibling)
    limited = [d for d in result.diagnostics if d.code == "limit-exceeded"]
    assert len(limited) == 1 and "module instances under the root fan" in limited[0].message
    assert sibling_reported(result.active)


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="no interval timers")
def test_per_file_parse_time_is_bounded(sibling: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlaudit import limits

    monkeypatch.setattr(limits, "MAX_PARSE_SECONDS", 0.05)
    blocks = "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b-{i}"\n}}\n'
                     for i in range(20_000))
    (sibling / "main.tf").write_text(blocks, encoding="utf-8")
    result = scan_dir(sibling)
    slow = [d for d in result.diagnostics if d.code == "limit-exceeded"]
    assert [d.span.path for d in slow if d.span] == ["main.tf"]
    assert "parsing took over" in slow[0].message
    assert sibling_reported(result.active)


def test_yaml_alias_and_merge_bombs_are_skipped_with_a_notice(sibling: Path) -> None:
    laughs = ["services:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    (sibling / "docker-compose.yml").write_text("\n".join(laughs) + "\n", encoding="utf-8")
    merges = ["x0: &x0 {a: 1, b: 2}"]
    merges += [f"x{i}: &x{i} {{<<: [*x{i - 1}, *x{i - 1}]}}" for i in range(1, 40)]
    (sibling / ".github").mkdir()
    (sibling / ".github" / "workflows").mkdir()
    (sibling / ".github" / "workflows" / "ci.yml").write_text(
        "\n".join(merges) + "\non: push\njobs: {}\n", encoding="utf-8")
    with time_limit(60):
        result = scan_dir(sibling)
    bombs = {d.span.path for d in result.diagnostics if d.code == "limit-exceeded" and d.span}
    assert "docker-compose.yml" in bombs
    assert sibling_reported(result.active)


def test_huge_number_in_a_task_definition_names_the_value(sibling: Path) -> None:
    digits = "7" * 5000
    (sibling / "task-definition.json").write_text(
        '{\n  "family": "api",\n  "containerDefinitions": [\n    {"name": "api", '
        f'"image": "acme/api:1", "memory": {digits}}}\n  ]\n}}\n', encoding="utf-8")
    result = scan_dir(sibling)
    found = [d for d in result.diagnostics if d.span and d.span.path == "task-definition.json"]
    assert found and "5000 digits" in found[0].message and "777777" in found[0].message
    assert found[0].span is not None and found[0].span.line == 4
    assert not [d for d in result.diagnostics if "internal" in d.message]
    assert sibling_reported(result.active)


def test_large_compose_file_is_linear(sibling: Path) -> None:
    """3,000 services (24,000 lines): quadratic rules and a set per service before
    (10,000 services took minutes and 5 GB)."""
    lines = ["services:"]
    for i in range(3_000):
        lines += [f"  s{i}:", f"    image: acme/s{i}:1.0", "    environment:", f'      A{i}: "1"',
                  "    ports:", f'      - "{10000 + i}:80"', "    depends_on:", "      - s0"]
    (sibling / "docker-compose.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import resource

    with time_limit(120):
        result = scan_dir(sibling)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 1024 * 1024  # KiB: 1 GiB
    assert sibling_reported(result.active)
