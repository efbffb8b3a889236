"""Plant a deployment in moto through boto3, write the Terraform roots that declare it
(with a local state, and one root whose state lives in moto's S3 behind an S3 backend),
then change resources behind Terraform's back."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
IMAGE_V1 = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:v1"


@dataclass
class Planted:
    repo: Path
    ids: dict[str, str] = field(default_factory=dict)

    def line(self, path: str, text: str) -> int:
        lines = (self.repo / path).read_text(encoding="utf-8").splitlines()
        return next(i for i, line in enumerate(lines, 1) if text in line)


APP_TF = '''terraform {
  required_version = ">= 1.5"
}

resource "aws_security_group" "api" {
  name   = "api"
  vpc_id = "VPC"

  ingress {
    from_port   = 8000
    to_port     = 8000
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([{
    name   = "api"
    image  = "IMAGE"
    memory = 512
  }])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = "ml"
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = 2
}

resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8000
  protocol = "HTTP"
  vpc_id   = "VPC"

  health_check {
    path     = "/ready"
    interval = 15
  }
}

resource "aws_lambda_function" "predict" {
  function_name = "predict"
  role          = "ROLE"
  handler       = "h.h"
  runtime       = "python3.11"
  memory_size   = 512
  timeout       = 10
  layers        = ["LAYER"]

  environment {
    variables = {
      MODEL_URI = "s3://models/churn"
    }
  }
}

resource "aws_lambda_function" "old" {
  function_name = "old-batch"
  role          = "ROLE"
  handler       = "h.h"
  runtime       = "python3.11"
}

resource "aws_sagemaker_endpoint_configuration" "churn" {
  name = "churn-v1"

  production_variants {
    variant_name           = "AllTraffic"
    model_name             = "churn"
    initial_instance_count = 1
    instance_type          = "ml.m5.large"
  }
}

resource "aws_sagemaker_endpoint" "churn" {
  name                 = "churn"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.churn.name
}
'''

EDGE_TF = '''terraform {
  backend "s3" {
    bucket = "tf-state"
    key    = "edge/terraform.tfstate"
    region = "us-east-1"
  }
}

resource "aws_ecr_repository" "api" {
  name                 = "api"
  image_tag_mutability = "IMMUTABLE"
}
'''


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("h.py", "def h(event, context):\n    return 1\n")
    return buffer.getvalue()


def _state(resources: list[tuple[str, str, dict[str, Any]]]) -> str:
    return json.dumps({
        "version": 4, "terraform_version": "1.7.5", "serial": 7,
        "lineage": "5b1f2a4c-0000-4000-8000-000000000001", "outputs": {},
        "resources": [{"mode": "managed", "type": t, "name": n,
                       "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                       "instances": [{"schema_version": 0, "attributes": a}]}
                      for t, n, a in resources]}, indent=2)


def plant(url: str, repo: Path) -> Planted:
    import boto3

    def client(name: str) -> Any:
        return boto3.client(name, endpoint_url=url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    out = Planted(repo)
    ec2, ecs, elb = client("ec2"), client("ecs"), client("elbv2")
    lam, iam, sm, ecr, s3 = (client("lambda"), client("iam"), client("sagemaker"),
                             client("ecr"), client("s3"))
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="api", Description="api", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000,
        "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    ecs.create_cluster(clusterName="ml")
    td1 = ecs.register_task_definition(family="api", containerDefinitions=[
        {"name": "api", "image": IMAGE_V1, "memory": 512}])["taskDefinition"]["taskDefinitionArn"]
    service = ecs.create_service(cluster="ml", serviceName="api", taskDefinition=td1,
                                 desiredCount=2)["service"]["serviceArn"]
    # No container instance in the cluster: its task never runs.
    ecs.create_service(cluster="ml", serviceName="batch", taskDefinition=td1, desiredCount=1)
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for i, z in ((1, "a"), (2, "b"))]
    lb = elb.create_load_balancer(Name="ml", Subnets=subnets)["LoadBalancers"][0]
    tg = elb.create_target_group(Name="api", Protocol="HTTP", Port=8000, VpcId=vpc,
                                 HealthCheckPath="/ready", HealthCheckIntervalSeconds=15
                                 )["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    role = iam.create_role(RoleName="predict", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    layer = lam.publish_layer_version(LayerName="torch-cpu", Content={"ZipFile": _zip()},
                                      CompatibleRuntimes=["python3.11"])["LayerVersionArn"]
    functions = {}
    for name, memory, timeout, layers, env in (
            ("predict", 512, 10, [layer], {"MODEL_URI": "s3://models/churn"}),
            ("old-batch", 128, 3, [], {})):
        functions[name] = lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=role, Handler="h.h",
            Code={"ZipFile": _zip()}, MemorySize=memory, Timeout=timeout, Layers=layers,
            Environment={"Variables": env})["FunctionArn"]
    lam.create_function_url_config(FunctionName="predict", AuthType="NONE")
    ecr_repo = ecr.create_repository(repositoryName="api", imageTagMutability="IMMUTABLE",
                                     imageScanningConfiguration={"scanOnPush": True}
                                     )["repository"]
    sm.create_model(ModelName="churn", ExecutionRoleArn=role,
                    PrimaryContainer={"Image": IMAGE_V1})
    for config, kind in (("churn-v1", "ml.m5.large"), ("churn-hotfix", "ml.t2.medium")):
        sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[{
            "VariantName": "AllTraffic", "ModelName": "churn", "InitialInstanceCount": 1,
            "InstanceType": kind}])
    # The state records churn-v1; the endpoint runs the hotfix configuration (moto's
    # UpdateEndpoint fails, so the out-of-band update is planted at creation).
    endpoint = sm.create_endpoint(EndpointName="churn",
                                  EndpointConfigName="churn-hotfix")["EndpointArn"]
    iam.create_user(UserName="ci-deploy")
    iam.create_access_key(UserName="ci-deploy")

    # The Terraform roots that declare all this, with the state an apply left.
    app = repo / "infra" / "app"
    app.mkdir(parents=True)
    (app / "main.tf").write_text(APP_TF.replace("VPC", vpc).replace("IMAGE", IMAGE_V1)
                                 .replace("ROLE", role).replace("LAYER", layer),
                                 encoding="utf-8")
    td_family = td1.rsplit(":", 1)[0]
    (app / "terraform.tfstate").write_text(_state([
        ("aws_security_group", "api", {
            "id": sg, "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{sg}",
            "name": "api", "vpc_id": vpc, "egress": [],
            "ingress": [{"from_port": 8000, "to_port": 8000, "protocol": "tcp",
                         "cidr_blocks": ["10.0.0.0/16"], "ipv6_cidr_blocks": [],
                         "prefix_list_ids": [], "security_groups": [], "self": False,
                         "description": ""}]}),
        ("aws_ecs_task_definition", "api", {
            "id": "api", "arn": td1, "arn_without_revision": td_family, "family": "api",
            "revision": 1, "container_definitions": json.dumps(
                [{"name": "api", "image": IMAGE_V1, "memory": 512, "essential": True}])}),
        ("aws_ecs_service", "api", {"id": service, "name": "api",
                                    "cluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/ml",
                                    "task_definition": td1, "desired_count": 2}),
        ("aws_lb_target_group", "api", {
            "id": tg, "arn": tg, "name": "api", "port": 8000, "protocol": "HTTP",
            "health_check": [{"enabled": True, "path": "/ready", "interval": 15,
                              "matcher": "200", "port": "traffic-port", "protocol": "HTTP",
                              "timeout": 5, "healthy_threshold": 5,
                              "unhealthy_threshold": 2}]}),
        ("aws_lambda_function", "predict", {
            "id": "predict", "function_name": "predict", "arn": functions["predict"],
            "memory_size": 512, "timeout": 10, "runtime": "python3.11", "layers": [layer],
            "environment": [{"variables": {"MODEL_URI": "s3://models/churn"}}]}),
        ("aws_lambda_function", "old", {
            "id": "old-batch", "function_name": "old-batch", "arn": functions["old-batch"],
            "memory_size": 128, "timeout": 3, "runtime": "python3.11", "environment": []}),
        ("aws_sagemaker_endpoint_configuration", "churn", {
            "id": "churn-v1", "name": "churn-v1", "arn": f"arn:aws:sagemaker:{REGION}:"
            f"{ACCOUNT}:endpoint-config/churn-v1",
            "production_variants": [{"variant_name": "AllTraffic", "model_name": "churn",
                                     "initial_instance_count": 1,
                                     "instance_type": "ml.m5.large"}]}),
        ("aws_sagemaker_endpoint", "churn", {"id": "churn", "name": "churn", "arn": endpoint,
                                             "endpoint_config_name": "churn-v1"}),
    ]), encoding="utf-8")
    # Terraform's own drift report, from a refresh-only plan, read offline.
    (app / "plan.json").write_text(json.dumps({
        "format_version": "1.2", "terraform_version": "1.7.5", "planned_values": {},
        "resource_changes": [],
        "resource_drift": [{
            "address": "aws_lambda_function.predict", "mode": "managed",
            "type": "aws_lambda_function", "name": "predict",
            "change": {"actions": ["update"], "before": {"timeout": 10, "memory_size": 512},
                       "after": {"timeout": 10, "memory_size": 1024}}}]}, indent=2),
        encoding="utf-8")
    edge = repo / "infra" / "edge"
    edge.mkdir(parents=True)
    (edge / "main.tf").write_text(EDGE_TF, encoding="utf-8")
    s3.create_bucket(Bucket="tf-state")
    s3.put_object(Bucket="tf-state", Key="edge/terraform.tfstate", Body=_state([
        ("aws_ecr_repository", "api", {
            "id": "api", "name": "api", "arn": ecr_repo["repositoryArn"],
            "image_tag_mutability": "IMMUTABLE",
            "image_scanning_configuration": [{"scan_on_push": True}]})]).encode())

    # Behind Terraform's back.
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    td2 = ecs.register_task_definition(family="api", containerDefinitions=[
        {"name": "api", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:latest",
         "memory": 512}])["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="ml", service="api", taskDefinition=td2, desiredCount=3)
    elb.modify_target_group(TargetGroupArn=tg, HealthCheckPath="/")
    lam.update_function_configuration(FunctionName="predict", MemorySize=1024, Environment={
        "Variables": {"MODEL_URI": "s3://models/churn", "DEBUG": "1"}})
    lam.delete_function(FunctionName="old-batch")
    ecr.put_image_tag_mutability(repositoryName="api", imageTagMutability="MUTABLE")
    out.ids.update(sg=sg, service=service, tg=tg, endpoint=endpoint, td2=td2)
    return out
