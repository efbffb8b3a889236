"""The pre-filter keeps detect-secrets (about 0.15 s to import) out of clean scans."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlaudit_rules.secrets._detect import candidate_lines
from tests.helpers import REPO

_PROBE = """
import sys
from pathlib import Path
from tests.helpers import scan_dir
result = scan_dir(Path(sys.argv[1]), rules=["MLA101", "MLA102", "MLA103"])
print(len(result.active), "detect_secrets" in sys.modules)
"""

CLEAN_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
USER app
HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1
CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]
"""


def _probe(directory: Path) -> tuple[int, bool]:
    out = subprocess.run([sys.executable, "-c", _PROBE, str(directory)], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=True)
    count, imported = out.stdout.split()
    return int(count), imported == "True"


def test_clean_dockerfile_scan_never_imports_detect_secrets(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(CLEAN_DOCKERFILE, encoding="utf-8")
    assert _probe(tmp_path) == (0, False)


def test_candidate_line_imports_detect_secrets_and_finds(tmp_path: Path) -> None:
    text = CLEAN_DOCKERFILE.replace("WORKDIR /app", "WORKDIR /app\nENV DB_PASSWORD=Kq7mZ2xWv9pL")
    (tmp_path / "Dockerfile").write_text(text, encoding="utf-8")
    assert _probe(tmp_path) == (1, True)


def test_candidate_lines_keep_only_lines_that_could_hold_a_secret() -> None:
    lines = [
        "FROM python:3.12-slim",                   # 0 clean
        'MODEL_NAME = "sentiment-v3"',              # 1 clean: short quoted string
        "db_password = os.environ['X']",            # 2 keyword
        "-----BEGIN RSA PRIVATE KEY-----",          # 3 key header
        "url: https://ci:pw12345@pypi.internal",    # 4 basic auth
        'X = "Zq4Vt7Wx2Ya5Bc8De1Fg3Hj6"',            # 5 long quoted token
        "gh: ghp_notreallyatokenbutaprefix",        # 6 token prefix
        "EXPOSE 8000",                              # 7 clean
    ]
    assert candidate_lines(lines) == [2, 3, 4, 5, 6]
