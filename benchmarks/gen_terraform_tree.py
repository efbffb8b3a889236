"""Generate a realistic Terraform tree for timing `mlaudit scan` on many .tf files.

    python benchmarks/gen_terraform_tree.py <target-dir> [--files 2000]

Writes environments (root modules with a backend, providers, tfvars and module calls) and
shared local modules (ECS service, RDS, ECR, VPC/security groups, launch templates), each
file 40-120 lines with variables, locals, count/for_each, dynamic blocks and jsonencode,
so both parsing and evaluation are exercised.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

MODULE_KINDS = ("ecs_service", "database", "registry", "network", "gpu_fleet")

HEADER = '''variable "name" {{
  type    = string
  default = "{name}"
}}

variable "env" {{
  type    = string
  default = "dev"
}}

locals {{
  prefix = "${{var.name}}-${{var.env}}"
  tags   = {{ Service = var.name, Env = var.env, Index = "{index}" }}
}}
'''

BODIES = {
    "ecs_service": '''
resource "aws_ecs_task_definition" "svc_{i}" {{
  family                   = "${{local.prefix}}-{i}"
  requires_compatibilities = ["FARGATE"]
  cpu                      = 1024
  memory                   = 4096
  container_definitions = jsonencode([{{
    name         = "model"
    image        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/model:${{var.env}}-{i}"
    portMappings = [{{ containerPort = 8000, protocol = "tcp" }}]
    healthCheck  = {{ command = ["CMD-SHELL", "curl -f localhost:8000/healthz"] }}
  }}])
}}

resource "aws_ecs_service" "svc_{i}" {{
  name            = "${{local.prefix}}-{i}"
  task_definition = aws_ecs_task_definition.svc_{i}.arn
  desired_count   = 2
  load_balancer {{
    target_group_arn = aws_lb_target_group.svc_{i}.arn
    container_name   = "model"
    container_port   = 8000
  }}
}}

resource "aws_lb_target_group" "svc_{i}" {{
  port     = 8000
  protocol = "HTTP"
  health_check {{
    path = "/healthz"
  }}
}}
''',
    "database": '''
resource "aws_db_instance" "db_{i}" {{
  identifier          = "${{local.prefix}}-{i}"
  engine              = "postgres"
  instance_class      = "db.t4g.medium"
  deletion_protection = var.env == "prod"
  skip_final_snapshot = {skip}
  publicly_accessible = false
  tags                = local.tags
}}
''',
    "registry": '''
resource "aws_ecr_repository" "repo_{i}" {{
  for_each             = toset(["embedder", "ranker", "reranker"])
  name                 = "${{local.prefix}}-${{each.key}}-{i}"
  image_tag_mutability = "{mutability}"
  image_scanning_configuration {{
    scan_on_push = true
  }}
}}
''',
    "network": '''
resource "aws_security_group" "sg_{i}" {{
  name = "${{local.prefix}}-{i}"
  dynamic "ingress" {{
    for_each = {{ http = 80, https = 443, app = 8000 }}
    content {{
      description = ingress.key
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["10.0.0.0/8"]
    }}
  }}
}}
''',
    "gpu_fleet": '''
resource "aws_launch_template" "gpu_{i}" {{
  name_prefix   = "${{local.prefix}}-{i}"
  instance_type = "g5.xlarge"
  user_data     = base64encode(<<-EOT
    #!/bin/bash
    docker run -p 8000:8000 model:${{var.env}}
  EOT
  )
  metadata_options {{
    http_tokens = "{tokens}"
  }}
}}

resource "aws_autoscaling_group" "gpu_{i}" {{
  count            = 2
  min_size         = 1
  max_size         = 4
  desired_capacity = 2
  launch_template {{
    id = aws_launch_template.gpu_{i}.id
  }}
}}
''',
}

ROOT = '''terraform {{
  backend "s3" {{
    bucket = "acme-tfstate"
    key    = "{env}/terraform.tfstate"
    region = "eu-west-1"
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}
{calls}'''

CALL = '''
module "{kind}_{n}" {{
  source = "../../modules/{kind}_{n}"
  name   = "{kind}{n}"
  env    = var.env
}}
'''


def generate(target: Path, files: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    written = 0
    n_envs = max(1, files // 100)
    per_module_files = 4
    n_modules = max(1, (files - n_envs * 2) // per_module_files)
    for m in range(n_modules):
        kind = MODULE_KINDS[m % len(MODULE_KINDS)]
        directory = target / "modules" / f"{kind}_{m}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "variables.tf").write_text(HEADER.format(name=kind, index=m))
        written += 1
        for part in range(per_module_files - 1):
            body = "".join(BODIES[kind].format(
                i=f"{part}_{j}", skip=rng.choice(["true", "false"]),
                mutability=rng.choice(["MUTABLE", "IMMUTABLE"]),
                tokens=rng.choice(["required", "optional"])) for j in range(2))
            (directory / f"{kind}_{part}.tf").write_text(body)
            written += 1
    for e in range(n_envs):
        directory = target / "envs" / f"env{e}"
        directory.mkdir(parents=True, exist_ok=True)
        picked = rng.sample(range(n_modules), min(n_modules, 5))
        calls = "".join(CALL.format(kind=MODULE_KINDS[n % len(MODULE_KINDS)], n=n)
                        for n in picked)
        (directory / "main.tf").write_text(
            ROOT.format(env=f"env{e}", calls=calls)
            + '\nvariable "env" {\n  default = "dev"\n}\n')
        (directory / "terraform.tfvars").write_text(f'env = "env{e}"\n')
        written += 2
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    count = generate(args.target, args.files)
    print(f"wrote {count} files under {args.target}")


if __name__ == "__main__":
    main()
