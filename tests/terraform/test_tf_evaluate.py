"""Static evaluation: one test per resolution feature, with spans checked."""

from __future__ import annotations

from pathlib import Path

from mlaudit.models.terraform import Unknown
from tests.terraform.tf_helpers import evaluate_tree, module_at


def _db(tmp_path: Path, files: dict[str, str]) -> object:
    project = evaluate_tree(tmp_path, files)
    resource = next(project.resources("aws_db_instance"))
    return resource.get("publicly_accessible")


DB = 'resource "aws_db_instance" "d" {\n  publicly_accessible = var.public\n}\n'


def test_variable_default(tmp_path: Path) -> None:
    files = {"main.tf": 'variable "public" {\n  default = true\n}\n' + DB}
    project = evaluate_tree(tmp_path, files)
    resource = next(project.resources("aws_db_instance"))
    assert resource.get("publicly_accessible") is True
    assert resource.span_of("publicly_accessible").line == 5  # the use, not the default
    assert resource.span.line == 4 and resource.address == "aws_db_instance.d"


def test_variable_without_default_is_unknown(tmp_path: Path) -> None:
    value = _db(tmp_path, {"main.tf": 'variable "public" {}\n' + DB})
    assert isinstance(value, Unknown) and value.ref == "var.public"


def test_terraform_tfvars_overrides_default(tmp_path: Path) -> None:
    files = {"main.tf": 'variable "public" {\n  default = false\n}\n' + DB,
             "terraform.tfvars": "public = true\n"}
    assert _db(tmp_path, files) is True


def test_auto_tfvars_wins_over_terraform_tfvars(tmp_path: Path) -> None:
    files = {"main.tf": 'variable "public" {}\n' + DB, "terraform.tfvars": "public = true\n",
             "z.auto.tfvars.json": '{"public": false}\n', "other.tfvars": "public = true\n"}
    assert _db(tmp_path, files) is False


def test_locals_and_functions(tmp_path: Path) -> None:
    files = {"main.tf": '''
locals {
  env  = "Prod"
  name = format("%s-%d", lower(local.env), 3)
  tags = merge({ a = "1" }, { b = join(",", concat(["x"], ["y"])) })
  pick = lookup({ k = "v" }, "missing", coalesce("", "dflt"))
  safe = try(aws_lb.x.arn, "fallback")
}
resource "aws_ecr_repository" "r" {
  name = local.name
  tags = local.tags
  x    = local.pick
  y    = local.safe
  z    = element(["a", "b"], 3)
}
'''}
    repo = next(evaluate_tree(tmp_path, files).resources("aws_ecr_repository"))
    assert repo.get("name") == "prod-3"
    assert repo.get("tags") == {"a": "1", "b": "x,y"}
    assert (repo.get("x"), repo.get("z")) == ("dflt", "b")
    # try() falls through on errors only: a resource attribute is known after apply
    assert isinstance(repo.get("y"), Unknown) and repo.get("y").ref == "aws_lb.x.arn"


def test_try_falls_through_on_errors(tmp_path: Path) -> None:
    files = {"main.tf": '''
variable "cfg" {
  default = { a = "1" }
}
resource "aws_ecr_repository" "r" {
  name = try(var.cfg.missing, element([], 0), "fallback")
}
'''}
    repo = next(evaluate_tree(tmp_path, files).resources("aws_ecr_repository"))
    assert repo.get("name") == "fallback"


def test_jsonencode_container_definitions(tmp_path: Path) -> None:
    files = {"main.tf": '''
variable "tag" {}
resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([{
    name         = "api"
    image        = "repo/api:1.2.3"
    portMappings = [{ containerPort = 8000 }]
  }])
}
resource "aws_ecs_task_definition" "partial" {
  family                = "p"
  container_definitions = jsonencode([{ name = "p", image = "repo/p:${var.tag}" }])
}
'''}
    project = evaluate_tree(tmp_path, files)
    api, partial = list(project.resources("aws_ecs_task_definition"))
    assert api.decoded("container_definitions") == [
        {"name": "api", "image": "repo/api:1.2.3", "portMappings": [{"containerPort": 8000}]}]
    assert api.span_of("container_definitions").line == 5
    containers = partial.decoded("container_definitions")
    assert containers[0]["name"] == "p" and isinstance(containers[0]["image"], Unknown)


def test_heredoc_interpolation(tmp_path: Path) -> None:
    files = {"main.tf": '''
locals {
  port = 8000
}
resource "aws_instance" "i" {
  user_data = <<-EOT
    #!/bin/sh
    serve --port ${local.port} --escaped $${HOME}
  EOT
}
'''}
    inst = next(evaluate_tree(tmp_path, files).resources("aws_instance"))
    assert inst.get("user_data") == "#!/bin/sh\nserve --port 8000 --escaped ${HOME}\n"
    assert inst.span_of("user_data").line == 6


def test_file_and_templatefile(tmp_path: Path) -> None:
    files = {
        "infra/main.tf": '''
resource "aws_ecs_task_definition" "t" {
  container_definitions = file("${path.module}/containers.json")
}
resource "aws_instance" "i" {
  user_data = templatefile("templates/boot.sh.tftpl", { port = 9000 })
  outside   = file("../../etc/passwd")
}
''',
        "infra/containers.json": '[{"name": "api", "image": "repo/api:1"}]',
        "infra/templates/boot.sh.tftpl": "serve --port ${port}\n",
    }
    project = evaluate_tree(tmp_path, files)
    task = next(project.resources("aws_ecs_task_definition"))
    assert task.decoded("container_definitions") == [{"name": "api", "image": "repo/api:1"}]
    inst = next(project.resources("aws_instance"))
    assert inst.get("user_data") == "serve --port 9000\n"
    assert isinstance(inst.get("outside"), Unknown)  # never read outside the root


def test_dynamic_blocks(tmp_path: Path) -> None:
    files = {"main.tf": '''
variable "ports" {
  default = { http = 80, https = 443 }
}
resource "aws_security_group" "web" {
  dynamic "ingress" {
    for_each = var.ports
    iterator = p
    content {
      description = p.key
      from_port   = p.value
    }
  }
  dynamic "egress" {
    for_each = var.unknown_list
    content {}
  }
}
'''}
    sg = next(evaluate_tree(tmp_path, files).resources("aws_security_group"))
    assert sg.get("ingress") == [{"description": "http", "from_port": 80},
                                 {"description": "https", "from_port": 443}]
    assert sg.blocks("ingress")[1].span_of("from_port").line == 11
    assert sg.block_unknown("egress") and not sg.block_unknown("ingress")


def test_count_and_for_each(tmp_path: Path) -> None:
    files = {"main.tf": '''
resource "aws_instance" "worker" {
  count = 2
  tags  = { Name = "worker-${count.index}" }
}
resource "aws_instance" "none" {
  count = 0
}
resource "aws_ecr_repository" "m" {
  for_each = toset(["a", "b"])
  name     = "model-${each.key}"
}
resource "aws_instance" "maybe" {
  count = var.enabled ? 1 : 0
}
'''}
    project = evaluate_tree(tmp_path, files)
    workers = [r for r in project.resources("aws_instance") if r.name == "worker"]
    assert [w.address for w in workers] == ["aws_instance.worker[0]", "aws_instance.worker[1]"]
    assert workers[1].get("tags") == {"Name": "worker-1"}
    assert not [r for r in project.resources("aws_instance") if r.name == "none"]
    repos = list(project.resources("aws_ecr_repository"))
    assert [r.address for r in repos] == ['aws_ecr_repository.m["a"]', 'aws_ecr_repository.m["b"]']
    assert [r.get("name") for r in repos] == ["model-a", "model-b"]
    maybe = next(r for r in project.resources("aws_instance") if r.name == "maybe")
    assert maybe.count_unknown


def test_local_module_with_inputs(tmp_path: Path) -> None:
    files = {
        "env/prod/main.tf": '''
module "db" {
  source = "../../modules/db"
  public = true
  name   = "prod-${var.suffix}"
}
module "remote" {
  source = "terraform-aws-modules/rds/aws"
}
variable "suffix" {
  default = "x"
}
''',
        "modules/db/main.tf": '''
variable "public" {}
variable "name" {}
variable "engine" {
  default = "postgres"
}
resource "aws_db_instance" "this" {
  identifier          = var.name
  engine              = var.engine
  publicly_accessible = var.public
}
output "id" {
  value = aws_db_instance.this.id
}
''',
    }
    project = evaluate_tree(tmp_path, files)
    root = module_at(project, "")
    child = module_at(project, "module.db")
    assert root.is_root and root.path == "env/prod" and not child.is_root
    assert [c.local_path for c in root.module_calls] == ["modules/db", None]
    db = child.resources[0]
    assert db.address == "module.db.aws_db_instance.this"
    assert (db.get("identifier"), db.get("engine"), db.get("publicly_accessible")) == (
        "prod-x", "postgres", True)
    assert db.span_of("publicly_accessible").path == "modules/db/main.tf"
    assert child.variables["public"].value_span is not None
    assert isinstance(child.outputs["id"], Unknown)


def test_backend_providers_and_tf_json(tmp_path: Path) -> None:
    files = {
        "main.tf": 'terraform {\n  backend "s3" {}\n}\nprovider "aws" {\n  alias = "us"\n}\n',
        "extra.tf.json": '{"resource": {"aws_ecr_repository": {"r": {\n'
                         '  "name": "m-${var.n}",\n'
                         '  "image_scanning_configuration": {"scan_on_push": true}}}},\n'
                         ' "variable": {"n": {"default": "x"}}}\n',
    }
    project = evaluate_tree(tmp_path, files)
    root = module_at(project, "")
    assert root.backend is not None and root.backend.type == "s3" and root.backend.span.line == 2
    assert [(p.name, p.alias, p.span.line) for p in root.providers] == [("aws", "us", 4)]
    repo = next(project.resources("aws_ecr_repository"))
    assert repo.get("name") == "m-x" and repo.span_of("name").line == 2
    assert repo.blocks("image_scanning_configuration")[0].get("scan_on_push") is True
