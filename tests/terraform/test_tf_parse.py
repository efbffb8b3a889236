"""HCL, JSON and tfvars parsing: structure, line numbers, errors."""

from __future__ import annotations

import pytest

from mlaudit.models.terraform_syntax import Call, Literal, Opaque, Ref, Template
from mlaudit.parsers import ParseError
from mlaudit.parsers.terraform_hcl import parse_text

SOURCE = '''# header
resource "aws_security_group" "web" {
  name = "web-${var.env}"

  ingress {
    from_port   = 8000
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = merge(local.tags, { Name = "web" })
  policy = <<-EOT
    {"port": ${var.port}}
  EOT
  rules = [for r in var.rules : r.port]
}
'''


def test_blocks_and_attributes_carry_lines() -> None:
    file = parse_text("infra/main.tf", SOURCE)
    block = file.blocks[0]
    assert (block.type, block.labels) == ("resource", ("aws_security_group", "web"))
    assert (block.span.path, block.span.line, block.span.column) == ("infra/main.tf", 2, 1)
    assert block.end_line == 14
    name = block.attribute("name")
    assert name is not None and name.span.line == 3 and name.span.column == 3
    assert isinstance(name.expr, Template)
    assert name.expr.parts[0] == "web-" and isinstance(name.expr.parts[1], Ref)
    ingress = block.blocks_of("ingress")[0]
    assert ingress.span.line == 5
    port = ingress.attribute("from_port")
    assert port is not None and port.span.line == 6
    assert isinstance(port.expr, Literal) and port.expr.value == 8000
    tags = block.attribute("tags")
    assert tags is not None and isinstance(tags.expr, Call) and tags.expr.name == "merge"
    policy = block.attribute("policy")
    assert policy is not None and policy.span.line == 10 and isinstance(policy.expr, Template)
    assert policy.expr.parts[0] == '{"port": '
    rules = block.attribute("rules")
    assert rules is not None and isinstance(rules.expr, Opaque)


def test_references_with_indexes() -> None:
    file = parse_text("x.tf", 'locals {\n  a = aws_lb.this[0].arn\n  b = m["k"].v\n}\n')
    a = file.blocks[0].attribute("a")
    b = file.blocks[0].attribute("b")
    assert a is not None and isinstance(a.expr, Ref) and a.expr.parts == ("aws_lb", "this", 0,
                                                                          "arn")
    assert b is not None and isinstance(b.expr, Ref) and b.expr.dotted == "m.k.v"


@pytest.mark.parametrize(("text", "line"), [
    ('resource "a" "b" {\n  x = 1\n  y = = 2\n}\n', 3),
    ('resource "a" "b" {\n  x = "unterminated\n}\n', 2),
    ('resource "a" "b" {\n  x = 1\n', 3),
])
def test_malformed_hcl_raises_parse_error_with_line(text: str, line: int) -> None:
    with pytest.raises(ParseError) as info:
        parse_text("bad.tf", text)
    assert info.value.line == line
    assert info.value.message.startswith("invalid HCL")
