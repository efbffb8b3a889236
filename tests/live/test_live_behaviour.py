"""Read-only guard, pagination, throttling, partial failure and the IAM policy, each
against the real moto server (through a local proxy that can throttle or deny)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlaudit.cli import main
from tests.helpers import REPO
from tests.live.conftest import Proxy
from tests.live.scenario import Planted

POLICY = REPO / "linter" / "mlaudit" / "live" / "iam-policy.json"
OTHER_REGION = "us-west-2"  # the behaviour tests' own resources: the scenario is untouched


def _actions() -> set[str]:
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    return {a for s in document["Statement"] for a in s["Action"]}


@pytest.fixture(scope="module")
def repositories(moto_url: str) -> list[str]:
    import boto3

    ecr = boto3.client("ecr", endpoint_url=moto_url, region_name=OTHER_REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    names = [f"model-{i}" for i in range(5)]
    for name in names:
        ecr.create_repository(repositoryName=name)
    return names


def _collect(url: str, page_size: int | None = None) -> Any:
    from mlaudit.live.collect import collect
    from mlaudit.live.session import open_session

    return collect(open_session(endpoint_url=url, region=OTHER_REGION), [OTHER_REGION],
                   page_size=page_size)


def test_a_write_is_refused_before_any_request_leaves(proxy: Proxy, aws_env: None) -> None:
    from mlaudit.live.session import ReadOnlyViolation, open_session

    ec2 = open_session(endpoint_url=proxy.url, region=OTHER_REGION).client("ec2", OTHER_REGION)
    with pytest.raises(ReadOnlyViolation, match="AuthorizeSecurityGroupIngress"):
        ec2.authorize_security_group_ingress(GroupId="sg-12345678", IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert proxy.seen == []  # nothing reached the endpoint
    ec2.describe_security_groups()  # a read goes through the same client
    assert len(proxy.seen) == 1


def test_listings_are_paginated(moto_url: str, proxy: Proxy, aws_env: None) -> None:
    """With a page size of 1 every item still arrives (moto 5 returns these listings in
    one page whatever the size: that the page size reaches every paginated call is the
    next test)."""
    import boto3

    iam = boto3.client("iam", endpoint_url=moto_url, region_name=OTHER_REGION)
    iam.create_user(UserName="two-keys")
    keys = {iam.create_access_key(UserName="two-keys")["AccessKey"]["AccessKeyId"]
            for _ in range(2)}
    facts = _collect(proxy.url, page_size=1)
    assert {k.key_id for k in facts.access_keys if k.user == "two-keys"} == keys
    assert [s for s, _ in proxy.seen].count("iam") >= 3  # ListUsers, ListAccessKeys, ...


def test_every_listing_uses_a_paginator(moto_url: str, aws_env: None) -> None:
    from botocore import xform_name

    from mlaudit.live.collect import collect
    from mlaudit.live.session import open_session

    clients = open_session(endpoint_url=moto_url, region=OTHER_REGION)
    calls: list[tuple[Any, dict[str, Any]]] = []

    def record(model: Any = None, params: Any = None, **_: Any) -> None:
        calls.append((model, dict(params or {})))

    clients.session.events.register("provide-client-params", record)
    collect(clients, [OTHER_REGION], page_size=7)
    paged = 0
    for model, params in calls:
        client = clients.client(model.service_model.service_name, OTHER_REGION)
        if client.can_paginate(xform_name(model.name)) and "imageIds" not in params:
            paged += 1
            assert 7 in params.values(), (model.name, params)
    assert paged >= 10


def test_throttling_is_retried(proxy: Proxy, aws_env: None, repositories: list[str]) -> None:
    proxy.throttle["ecr"] = 2
    facts = _collect(proxy.url)
    assert proxy.throttled == 2
    assert {r.name for r in facts.repositories} >= set(repositories)
    assert not [n for n in facts.notices if n.service == "ecr"]


def test_access_denied_for_one_service_still_reports_the_rest(
        planted: Planted, proxy: Proxy, aws_env: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    proxy.deny.add("lambda")
    code = main(["live", str(planted.repo), "--root", str(planted.repo), "--region",
                 "us-east-1", "--endpoint-url", proxy.url, "--no-cache", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    report = json.loads(out)
    rules = {f["rule"] for f in report["findings"]}
    assert {"MLA800", "MLA850", "MLA851", "MLA854", "MLA855"} <= rules
    assert not rules & {"MLA811", "MLA812", "MLA853"}  # the Lambda checks could not run
    # ...and a Lambda function it could not list is not called deleted
    assert "MLA856" not in rules
    assert not any("old-batch" in f["message"] for f in report["findings"])
    notes = [d["message"] for d in report["diagnostics"]]
    assert any("access denied: grant lambda:ListFunctions" in n for n in notes), notes


def test_every_api_call_is_in_the_iam_policy(planted: Planted, moto_url: str,
                                             aws_env: None) -> None:
    """Every call the code makes at run time, and every call site in the source."""
    from mlaudit.live import command
    from mlaudit.live.collect import IAM_PREFIX, collect
    from mlaudit.live.roots import fetch_remote, terraform_roots
    from mlaudit.live.session import open_session
    from tests.helpers import scan_dir

    clients = open_session(endpoint_url=moto_url, region="us-east-1")
    made: set[str] = set()

    def record(model: Any = None, **_: Any) -> None:
        made.add(f"{model.service_model.signing_name}:{model.name}")

    clients.session.events.register("before-call", record)
    deployment = scan_dir(planted.repo, rules=["MLA001"]).deployment
    command.check_identity(clients, "us-east-1")
    remote = fetch_remote(terraform_roots(deployment),
                          command.s3_reader(clients, "us-east-1", []), [])
    assert remote, "the S3 backend's state was read"
    collect(clients, ["us-east-1"])
    policy = _actions()
    assert made and made <= policy, sorted(made - policy)
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in (REPO / "linter" / "mlaudit" / "live").glob("*.py"))
    sites = re.findall(r'read\(\s*[^,()\n]+,\s*"([a-z0-9-]+)",\s*"([A-Za-z]+)"', source)
    assert len(sites) >= 15
    named = {f"{IAM_PREFIX.get(s, s)}:{op}" for s, op in sites} | {"sts:GetCallerIdentity"}
    assert named <= policy, sorted(named - policy)
    # the README shows the same policy
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("**The minimal IAM policy**", 1)[1].split("```json\n", 1)[1]
    assert json.loads(block.split("```", 1)[0]) == json.loads(POLICY.read_text("utf-8"))


def test_without_boto3_live_names_the_install_command(tmp_path: Path) -> None:
    probe = ("import sys; sys.modules['boto3'] = None; sys.modules['botocore'] = None\n"
             "from mlaudit.cli import main\n"
             f"raise SystemExit(main(['live', {str(tmp_path)!r}, '--region', 'us-east-1']))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "pip install 'mlaudit[live]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_regions_are_read_in_parallel_into_one_report(proxy: Proxy, aws_env: None,
                                                      repositories: list[str]) -> None:
    from mlaudit.live.collect import collect
    from mlaudit.live.session import open_session

    facts = collect(open_session(endpoint_url=proxy.url, region="us-east-1"),
                    ["us-east-1", OTHER_REGION])
    assert facts.regions == ("us-east-1", OTHER_REGION)
    by_region = {r.region for r in facts.repositories}
    assert by_region == {"us-east-1", OTHER_REGION}
    assert {("us-east-1", "ecr"), (OTHER_REGION, "ecr")} <= set(facts.complete)


def _pty_run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run mlaudit with stderr on a terminal; what the terminal showed."""
    import os
    import pty

    master, slave = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "mlaudit", *args], stdout=subprocess.PIPE,
                          stderr=slave, env=env, timeout=120)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return done.returncode, shown.decode("utf-8", "replace")


def test_progress_only_on_a_terminal_and_not_with_quiet(planted: Planted, moto_url: str,
                                                        aws_env: None) -> None:
    import os

    env = dict(os.environ)
    args = ["live", str(planted.repo), "--root", str(planted.repo), "--region", "us-east-1",
            "--endpoint-url", moto_url, "--no-cache", "--format", "json"]
    code, shown = _pty_run(args, env)
    assert code == 1
    assert "mlaudit: live: us-east-1: ECS" in shown
    assert "testing" not in shown  # credentials never printed
    code, shown = _pty_run([*args, "--quiet"], env)
    assert code == 1 and "mlaudit: live:" not in shown


def test_no_credentials_or_region_is_exit_2_without_traceback(
        moto_url: str, aws_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code = main(["live", str(tmp_path), "--region", "us-east-1", "--endpoint-url", moto_url])
    err = capsys.readouterr().err
    assert code == 2 and "no AWS credentials found" in err and "standard chain" in err
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    code = main(["live", str(tmp_path), "--endpoint-url", moto_url])
    err = capsys.readouterr().err
    assert code == 2 and "pass --region" in err


def test_clients_have_timeouts_and_adaptive_retries(aws_env: None) -> None:
    pytest.importorskip("boto3")
    from mlaudit.live import session

    client = session.open_session(endpoint_url="http://127.0.0.1:9", region="us-east-1"
                                  ).client("lambda", "us-east-1")
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (session.CONNECT_TIMEOUT,
                                                             session.READ_TIMEOUT)
    assert config.retries["mode"] == "adaptive"
    assert config.retries["total_max_attempts"] == session.MAX_ATTEMPTS + 1  # + the first


def test_a_container_image_function_gets_its_image_size(moto_url: str, aws_env: None) -> None:
    """PackageType Image: the image's size comes from ECR (lambda:GetFunction, then
    ecr:DescribeImages on the function's image)."""
    import boto3

    from mlaudit.live.collect import collect
    from mlaudit.live.session import open_session

    region = "eu-west-1"

    def client(name: str) -> Any:
        return boto3.client(name, endpoint_url=moto_url, region_name=region)

    client("ecr").create_repository(repositoryName="predict-image")
    manifest = {"schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                           "size": 7023, "digest": "sha256:" + "a" * 64},
                "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                            "size": 2_000_000_000, "digest": "sha256:" + "b" * 64}]}
    client("ecr").put_image(repositoryName="predict-image", imageTag="v3",
                            imageManifest=json.dumps(manifest))
    role = client("iam").create_role(RoleName="predict-image",
                                      AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client("lambda").create_function(
        FunctionName="predict-image", Role=role, PackageType="Image",
        Code={"ImageUri": f"123456789012.dkr.ecr.{region}.amazonaws.com/predict-image:v3"})
    expected = client("ecr").describe_images(repositoryName="predict-image", imageIds=[
        {"imageTag": "v3"}])["imageDetails"][0]["imageSizeInBytes"]
    facts = collect(open_session(endpoint_url=moto_url, region=region), [region])
    function = next(f for f in facts.functions if f.name == "predict-image")
    assert function.package_type == "Image" and function.image_size == expected
