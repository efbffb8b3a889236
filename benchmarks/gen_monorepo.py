"""Generate a synthetic monorepo of N ML model services, for measuring scan time and memory.

    python benchmarks/gen_monorepo.py N OUTDIR [--seed 17]

Each service `services/svc-NNNN/` gets what a real model-serving repository holds: a
Dockerfile, a compose file (the service behind nginx), an nginx configuration, a small
FastAPI app with requirements, a GitHub Actions workflow (at `.github/workflows/`, one per
service, as monorepos do), and a Terraform root (`infra/`: ECS task definition and service,
ALB with listener and target group, security groups, and for every third service a Lambda
function). Resource addresses repeat across services (`aws_ecs_service.api` in every root,
the same cluster name), the way copied roots look, so that anything matching by name or
address across roots shows up as superlinear cost. A few services carry typical defects
(a public ingress, a root container, an unpinned image) so rules fire on every scale.

The output is deterministic for a given N and seed. OUTDIR must not exist or be empty.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

FRAMEWORKS = ("sklearn", "torch", "xgboost", "transformers")
BASE_IMAGES = ("python:3.11-slim", "python:3.12-slim", "python:3.10-slim-bookworm")

DOCKERFILE = """FROM {base}

WORKDIR /srv
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY app ./app
{user}
EXPOSE {port}
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/healthz')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "{port}", "--workers", "{workers}"]
"""

COMPOSE = """services:
  api:
    build: .
    environment:
      MODEL_NAME: {name}
      MODEL_PATH: /models/{name}.bin
      LOG_LEVEL: info
    volumes:
      - ./models:/models:ro
    expose:
      - "{port}"
    mem_limit: {mem}m
    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/healthz')"]
      interval: 15s

  nginx:
    image: {nginx_image}
    ports:
      - "{host_port}:80"
    volumes:
      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro
    depends_on:
      - api
"""

NGINX = """worker_processes auto;

events {{
    worker_connections 1024;
}}

http {{
    upstream model_api {{
        server api:{port};
        keepalive 16;
    }}

    server {{
        listen 80;
        server_name {name}.internal.example.com;
        client_max_body_size {body}m;

        location /predict {{
            proxy_pass http://model_api;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout {timeout}s;
        }}

        location /healthz {{
            proxy_pass http://api:{port}/healthz;
        }}
    }}
}}
"""

APP = '''"""{name}: a {framework} model behind FastAPI."""

import os

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="{name}")
MODEL_PATH = os.environ.get("MODEL_PATH", "/models/{name}.bin")
_model = None


class Features(BaseModel):
    values: list[float]


def model():
    global _model
    if _model is None:
        _model = load(MODEL_PATH)
    return _model


def load(path):
    {loader}


@app.get("/healthz")
def healthz():
    return {{"ok": True}}


@app.post("/predict")
def predict(features: Features):
    return {{"prediction": float(model().predict([features.values])[0])}}
'''

LOADERS = {
    "sklearn": "import joblib\n    return joblib.load(path)",
    "torch": "import torch\n    return torch.jit.load(path, map_location=\"cpu\")",
    "xgboost": ("import xgboost\n    booster = xgboost.Booster()\n"
                "    booster.load_model(path)\n    return booster"),
    "transformers": ("from transformers import pipeline\n"
                     "    return pipeline(\"text-classification\", model=path)"),
}

REQUIREMENTS = {
    "sklearn": "scikit-learn==1.5.2\njoblib==1.4.2\n",
    "torch": "torch==2.4.1\n",
    "xgboost": "xgboost==2.1.1\n",
    "transformers": "transformers==4.44.2\ntorch==2.4.1\n",
}

WORKFLOW = """name: deploy {name}

on:
  push:
    branches: [main]
    paths:
      - "services/{name}/**"
  pull_request:
    paths:
      - "services/{name}/**"

permissions:
  contents: read
  id-token: write

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install -r services/{name}/requirements.txt pytest
      - run: pytest services/{name}

  deploy:
    if: github.ref == 'refs/heads/main'
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy-{name}
          aws-region: eu-west-1
      - run: docker build -t {name}:${{{{ github.sha }}}} services/{name}
      - run: >-
          terraform -chdir=services/{name}/infra apply -auto-approve
          -var image_tag=${{{{ github.sha }}}}
"""

TF_MAIN = """terraform {{
  required_version = ">= 1.5"

  backend "s3" {{
    bucket = "acme-ml-terraform-state"
    key    = "{name}/terraform.tfstate"
    region = "eu-west-1"
  }}

  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }}
  }}
}}

provider "aws" {{
  region = var.region
}}

variable "region" {{
  type    = string
  default = "eu-west-1"
}}

variable "image_tag" {{
  type    = string
  default = "latest"
}}

variable "vpc_id" {{
  type    = string
  default = "vpc-0123456789abcdef0"
}}

variable "private_subnet_ids" {{
  type    = list(string)
  default = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
}}

variable "public_subnet_ids" {{
  type    = list(string)
  default = ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]
}}

locals {{
  name     = "{name}"
  app_port = {port}
  tags     = {{ Service = "{name}", Team = "{team}", Framework = "{framework}" }}
}}

resource "aws_ecr_repository" "api" {{
  name                 = local.name
  image_tag_mutability = "IMMUTABLE"
  tags                 = local.tags
}}

resource "aws_ecs_cluster" "ml" {{
  name = "ml-serving"
}}
"""

TF_ECS = """resource "aws_cloudwatch_log_group" "api" {{
  name              = "/ecs/${{local.name}}"
  retention_in_days = 14
}}

resource "aws_ecs_task_definition" "api" {{
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = {cpu}
  memory                   = {mem}

  container_definitions = jsonencode([
    {{
      name      = "api"
      image     = "${{aws_ecr_repository.api.repository_url}}:${{var.image_tag}}"
      essential = true
      portMappings = [
        {{
          containerPort = local.app_port
          protocol      = "tcp"
        }}
      ]
      environment = [
        {{ name = "MODEL_PATH", value = "/models/{name}.bin" }},
        {{ name = "LOG_LEVEL", value = "info" }}
      ]
      healthCheck = {{
        command = ["CMD-SHELL", "python -c \\"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/healthz')\\""]
      }}
      logConfiguration = {{
        logDriver = "awslogs"
        options = {{
          awslogs-group         = aws_cloudwatch_log_group.api.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "api"
        }}
      }}
    }}
  ])
}}

resource "aws_ecs_service" "api" {{
  name            = "api"
  cluster         = aws_ecs_cluster.ml.id
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = {replicas}
  launch_type     = "FARGATE"

  network_configuration {{
    subnets         = var.private_subnet_ids
    security_groups = [aws_security_group.api.id]
  }}

  load_balancer {{
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = local.app_port
  }}

  depends_on = [aws_lb_listener.http]
}}
"""

TF_ALB = """resource "aws_lb" "api" {{
  name               = local.name
  load_balancer_type = "application"
  internal           = {internal}
  security_groups    = [aws_security_group.alb.id]
  subnets            = var.public_subnet_ids
}}

resource "aws_lb_target_group" "api" {{
  name        = local.name
  port        = local.app_port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  health_check {{
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }}
}}

resource "aws_lb_listener" "http" {{
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }}
}}
"""

TF_NET = """resource "aws_security_group" "alb" {{
  name   = "${{local.name}}-alb"
  vpc_id = var.vpc_id

  ingress {{
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["{alb_cidr}"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_security_group" "api" {{
  name   = "${{local.name}}-api"
  vpc_id = var.vpc_id

  ingress {{
    from_port       = local.app_port
    to_port         = local.app_port
    protocol        = "tcp"
    {api_ingress}
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"""

TF_LAMBDA = """resource "aws_iam_role" "batch" {{
  name = "${{local.name}}-batch"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "lambda.amazonaws.com" }}
      Action    = "sts:AssumeRole"
    }}]
  }})
}}

resource "aws_lambda_function" "batch" {{
  function_name = "${{local.name}}-batch"
  role          = aws_iam_role.batch.arn
  package_type  = "Image"
  image_uri     = "${{aws_ecr_repository.api.repository_url}}:${{var.image_tag}}"
  memory_size   = {lambda_mem}
  timeout       = 300

  environment {{
    variables = {{
      MODEL_PATH = "/opt/ml/{name}.bin"
    }}
  }}
}}
"""

TEST = '''from fastapi.testclient import TestClient

from app.main import app


def test_healthz():
    assert TestClient(app).get("/healthz").json() == {"ok": True}
'''


def service(rng: random.Random, index: int) -> dict[str, str]:
    """The files of one service, relative to the repository root."""
    name = f"svc-{index:04d}"
    base = f"services/{name}"
    framework = FRAMEWORKS[index % len(FRAMEWORKS)]
    port = 8000 + index % 50
    mem = rng.choice((1024, 2048, 4096, 8192))
    cpu = {1024: 512, 2048: 1024, 4096: 2048, 8192: 4096}[mem]
    # Typical defects, spread so every scale has some of each.
    root_user = index % 7 == 3
    public_api = index % 11 == 5
    unpinned_nginx = index % 5 == 2
    files = {
        f"{base}/Dockerfile": DOCKERFILE.format(
            base=rng.choice(BASE_IMAGES), port=port, workers=rng.choice((1, 2, 4)),
            user="" if root_user else "RUN useradd --create-home app\nUSER app\n"),
        f"{base}/docker-compose.yml": COMPOSE.format(
            name=name, port=port, mem=mem, host_port=18000 + index,
            nginx_image="nginx:latest" if unpinned_nginx else "nginx:1.27-alpine"),
        f"{base}/nginx/nginx.conf": NGINX.format(
            name=name, port=port, body=rng.choice((1, 2, 8)), timeout=rng.choice((10, 30, 60))),
        f"{base}/app/__init__.py": "",
        f"{base}/app/main.py": APP.format(name=name, framework=framework,
                                          loader=LOADERS[framework]),
        f"{base}/requirements.txt": ("fastapi==0.115.0\nuvicorn[standard]==0.30.6\n"
                                     "pydantic==2.9.2\n" + REQUIREMENTS[framework]),
        f"{base}/tests/test_api.py": TEST,
        f".github/workflows/deploy-{name}.yml": WORKFLOW.format(name=name),
        f"{base}/infra/main.tf": TF_MAIN.format(
            name=name, port=port, team=f"team-{index % 13}", framework=framework),
        f"{base}/infra/ecs.tf": TF_ECS.format(
            name=name, port=port, cpu=cpu, mem=mem, replicas=rng.choice((1, 2, 3))),
        f"{base}/infra/alb.tf": TF_ALB.format(internal="false" if index % 3 else "true"),
        f"{base}/infra/network.tf": TF_NET.format(
            alb_cidr="0.0.0.0/0" if index % 3 else "10.0.0.0/8",
            api_ingress=('cidr_blocks = ["0.0.0.0/0"]' if public_api
                         else "security_groups = [aws_security_group.alb.id]")),
    }
    if index % 3 == 0:
        files[f"{base}/infra/lambda.tf"] = TF_LAMBDA.format(
            name=name, lambda_mem=rng.choice((512, 3008, 10240)))
    return files


def generate(count: int, out: Path, seed: int = 17) -> int:
    """Write `count` services under `out`; return the number of files written."""
    rng = random.Random(seed)
    written = 0
    (out / ".gitignore").parent.mkdir(parents=True, exist_ok=True)
    (out / ".gitignore").write_text("models/\n*.bin\n")
    (out / "README.md").write_text(f"# Synthetic monorepo of {count} model services\n")
    written += 2
    for index in range(count):
        for rel, text in service(rng, index).items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of services")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    if args.outdir.exists() and any(args.outdir.iterdir()):
        print(f"{args.outdir} exists and is not empty", file=sys.stderr)
        return 2
    files = generate(args.count, args.outdir, args.seed)
    print(f"{files} files for {args.count} services in {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
