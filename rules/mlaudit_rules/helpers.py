"""Small predicates shared by several rules. Keep it small: logic that belongs to one
format belongs in its parser or model."""

from __future__ import annotations

import re
import sys
from typing import Any

PLACEHOLDER_RE = re.compile(
    r"^(?:<[^>]*>|\{\{.*\}\}|\$\{.*\}|\$[A-Za-z_]\w*|x{4,}|\*+|\.{3,}|"
    r"(?:your|my|some|the)[-_ ]?\w*|changeme|change[-_]?me|replace[-_]?me|todo|tbd|none|null|"
    r"dummy|example\w*|placeholder|redacted|secret|password|test|fake\w*|sample\w*)$",
    re.I,
)


def is_placeholder(value: str) -> bool:
    """True for values that are obviously not real secrets (placeholders, references)."""
    text = value.strip().strip("'\"")
    if not text:
        return True
    if PLACEHOLDER_RE.match(text):
        return True
    lowered = text.lower()
    return "example" in lowered or "xxxx" in lowered or "placeholder" in lowered


def model_loaded(module: str) -> bool:
    """Whether a model module (`mlaudit.models.python_source`) is imported. A model object
    exists only once its module is (its parser, the parse cache or a builder imported it),
    so when it is not, the scan holds no model of its classes: a rule can skip the lookup
    and the import. Creating a module's dataclasses costs ~1 ms each, and a one-Dockerfile
    run must not pay for the Python, workflow or Terraform models."""
    return module in sys.modules


def is_public_cidr(cidr: str) -> bool:
    return cidr.strip() in ("0.0.0.0/0", "::/0")


def dockerfile_serves(dockerfile: Any, deployment: Any) -> bool:
    """Whether a Dockerfile's image serves HTTP: `Dockerfile.is_serving` (an app server, or
    a program plus EXPOSE), or a `python app.py` whose script runs a web app
    (`app.run()`, `uvicorn.run(app)`: the deployment model gives the image its ports and
    routes from the code), EXPOSE or not."""
    if dockerfile.is_serving:
        return True
    server = dockerfile.server
    if deployment is None or server is None or server.server != "python-script":
        return False
    image = deployment.image_for_dockerfile(dockerfile.path)
    return image is not None and (bool(image.routes)
                                  or any(p.origin == "python" for p in image.ports))
