"""SageMaker bring-your-own-container detection: from content, never from directory names."""

from __future__ import annotations

from pathlib import Path

from mlaudit.models.sagemaker import SageMakerContainer
from tests.helpers import FIXTURES, scan_dir

BYOC = FIXTURES / "rules" / "MLA506" / "good_sagemaker_byoc"
LOOKALIKE = FIXTURES / "rules" / "MLA506" / "bad_public_lookalike"
ALSO_COMPOSE = FIXTURES / "rules" / "MLA506" / "bad_sagemaker_image_also_in_compose"
DLC = FIXTURES / "rules" / "MLA201" / "good_sagemaker_inference_image"

CONTRACT_NGINX = """\
events {}
http {
  upstream gunicorn { server unix:/tmp/gunicorn.sock; }
  server {
    listen 8080 deferred;
    location ~ ^/(ping|invocations) { proxy_pass http://gunicorn; }
    location / { return 404 "{}"; }
  }
}
"""
SERVE = """#!/usr/bin/env python3
import subprocess
subprocess.Popen(["nginx", "-c", "/opt/program/nginx.conf"])
subprocess.Popen(["gunicorn", "-b", "unix:/tmp/gunicorn.sock", "wsgi:app"])
"""


def _containers(path: Path) -> list[SageMakerContainer]:
    deployment = scan_dir(path, rules=["MLA001"]).deployment
    found: list[SageMakerContainer] = deployment.sagemaker_containers()
    return found


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def test_byoc_serve_and_train_image() -> None:
    [container] = _containers(BYOC)
    assert (container.kind, container.dockerfile, container.directory) == (
        "serve", "Dockerfile", "")
    assert container.programs == ("serve", "train")
    assert container.nginx == ("decision_trees/nginx.conf",)
    assert {"decision_trees/serve", "decision_trees/train", "decision_trees/predictor.py",
            "decision_trees/wsgi.py"} <= set(container.files)
    assert container.behind_endpoint_only
    assert "/opt/program" in container.reason


def test_marks_files_of_the_container() -> None:
    deployment = scan_dir(BYOC, rules=["MLA001"]).deployment
    for path in ("Dockerfile", "decision_trees/nginx.conf", "decision_trees/predictor.py"):
        found = deployment.sagemaker_container_of(path)
        assert found is not None and found.serves, path
    assert deployment.sagemaker_container_of("README.md") is None


def test_public_nginx_gunicorn_image_is_not_sagemaker() -> None:
    assert _containers(LOOKALIKE) == []


def test_image_also_run_by_compose_is_not_endpoint_only() -> None:
    [container] = _containers(ALSO_COMPOSE)
    assert container.serves and not container.behind_endpoint_only
    assert "compose service scorer" in container.other_runtimes[0][1]


def test_deep_learning_container_base() -> None:
    [container] = _containers(DLC)
    assert container.kind == "serve"
    assert "Deep Learning Container" in container.reason
    assert "code/app.py" in container.files



def test_training_only(tmp_path: Path) -> None:
    _write(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nRUN pip install sagemaker-training==4.7.4\n"
                      "COPY train.py /opt/ml/code/train.py\n"
                      "ENV SAGEMAKER_PROGRAM=train.py\n",
        "train.py": "print('fit')\n"})
    [container] = _containers(tmp_path)
    assert container.kind == "train" and not container.serves


def test_contract_nginx_with_serve_program_and_no_dockerfile(tmp_path: Path) -> None:
    _write(tmp_path, {"svc/nginx.conf": CONTRACT_NGINX, "svc/serve": SERVE})
    [container] = _containers(tmp_path)
    assert (container.kind, container.dockerfile, container.nginx) == (
        "serve", None, ("svc/nginx.conf",))


def test_contract_nginx_alone_is_not_enough(tmp_path: Path) -> None:
    # No serve program beside it and no Dockerfile: cannot tell.
    _write(tmp_path, {"sagemaker/nginx.conf": CONTRACT_NGINX})
    assert _containers(tmp_path) == []


def test_opt_program_without_a_program_is_not_enough(tmp_path: Path) -> None:
    # /opt/program alone is a convention other images use too.
    _write(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nCOPY app /opt/program\n"
                      'CMD ["python", "/opt/program/main.py"]\n',
        "app/main.py": "print('hello')\n"})
    assert _containers(tmp_path) == []


def test_directory_names_do_not_decide(tmp_path: Path) -> None:
    _write(tmp_path, {
        "sagemaker/container/Dockerfile": "FROM nginx:1.27\n"
                                          "COPY nginx.conf /etc/nginx/nginx.conf\n",
        "sagemaker/container/nginx.conf": CONTRACT_NGINX.replace("8080", "80")})
    assert _containers(tmp_path) == []


def test_own_ecr_repository_named_inference_is_not_a_dlc(tmp_path: Path) -> None:
    _write(tmp_path, {
        "Dockerfile": "FROM 123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud-inference:1.4\n"
                      'CMD ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]\n'})
    assert _containers(tmp_path) == []


def test_dlc_without_sagemaker_tag(tmp_path: Path) -> None:
    _write(tmp_path, {
        "Dockerfile": "FROM 763104351884.dkr.ecr.us-west-2.amazonaws.com/"
                      "huggingface-pytorch-inference:2.1.0-transformers4.37.0-gpu-py310\n"})
    [container] = _containers(tmp_path)
    assert container.kind == "serve"
