"""Module instances: callers, and findings reported once per module line."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import scan_dir
from tests.terraform.tf_helpers import evaluate_tree

DB = '''variable "public" {
  default = true
}
resource "aws_db_instance" "this" {
  engine              = "postgres"
  publicly_accessible = var.public
}
'''

ROOT = '''provider "aws" {
  region = "eu-west-1"
}
module "a" {
  source = "./db"
}
module "b" {
  source   = "./db"
  for_each = toset(["x", "y"])
}
module "off" {
  source = "./db"
  count  = 0
}
'''


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_callers_name_each_instance(tmp_path: Path) -> None:
    project = evaluate_tree(tmp_path, {"main.tf": ROOT, "db/main.tf": DB})
    callers = sorted((root, address, span.line) for root, address, span in
                     project.callers("db"))
    assert callers == [("", "module.a", 4), ("", 'module.b["x"]', 7), ("", 'module.b["y"]', 7)]
    assert project.callers("") == []


def test_module_line_reported_once_with_its_callers(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": ROOT, "db/main.tf": DB})
    found = [f for f in scan_dir(tmp_path, rules=["MLA304"]).active]
    assert [(f.location.path, f.location.line) for f in found] == [("db/main.tf", 6)]
    notes = sorted((r.location.line, r.note) for r in found[0].related)
    assert [line for line, _ in notes] == [4, 7, 7]
    assert all("instantiated by module." in note for _, note in notes)


def test_caller_value_judged_per_caller(tmp_path: Path) -> None:
    root = ROOT.replace('source = "./db"\n}', 'source = "./db"\n  public = false\n}', 1)
    root = root.replace('for_each = toset(["x", "y"])', 'for_each = toset(["x", "y"])\n'
                        '  public   = each.key == "y"')
    _write(tmp_path, {"main.tf": root, "db/main.tf": DB})
    found = [f for f in scan_dir(tmp_path, rules=["MLA304"]).active]
    # module.a passes false, module.b["x"] false, module.b["y"] true: one finding, at the
    # input line of the call that passes the public value
    assert [(f.location.path, f.location.line) for f in found] == [("main.tf", 11)]
    assert any(r.location.path == "db/main.tf" for r in found[0].related)
