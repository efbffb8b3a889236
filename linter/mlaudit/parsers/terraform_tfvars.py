"""`*.tfvars` (HCL) and `*.tfvars.json` files: variable assignments with their lines."""

from __future__ import annotations

from mlaudit.models.terraform_syntax import Attribute, TfvarsFile
from mlaudit.parsers import ParseError
from mlaudit.sources import SourceFile

PARSER_VERSION = "1"


def parse(source: SourceFile) -> TfvarsFile:
    if not source.path.lower().endswith(".json"):
        from mlaudit.parsers.terraform_hcl import parse_attributes

        return TfvarsFile(source.path, parse_attributes(source.path, source.text))
    from mlaudit.parsers import yaml_source
    from mlaudit.parsers.terraform_json import json_expr, key_span

    data = yaml_source.load(source.text)
    if data is None:
        return TfvarsFile(source.path, ())
    if not isinstance(data, dict):
        raise ParseError("a .tfvars.json file must hold a JSON object", 1, 1)
    attributes = []
    for name, value in data.items():
        span = key_span(source.path, data, name)
        # Values in a tfvars.json are plain data: "${...}" is not interpolated there.
        attributes.append(Attribute(str(name), json_expr(value, span, templates=False), span))
    return TfvarsFile(source.path, tuple(attributes))
