"""From detect-secrets hits and AWS matches to mlaudit findings: columns, redaction,
fingerprint keys without secrets, and one finding per fact across MLA101/MLA102/MLA103."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlaudit.finding import Finding
from mlaudit_rules.secrets._aws import find_aws_keys
from mlaudit_rules.secrets._detect import detect
from mlaudit_rules.secrets._shape import benign_value, shape
from mlaudit_rules.secrets._values import is_reference, literal_secret
from tests.helpers import scan_dir

GITHUB = "ghp_Xr4tQm8vLz2Wn6Pk0Bc3Hd7Jf1Gs5Yu9Ae2K"
PASSWORD = "Vw3nRq8xKz5t"
KEY_ID = "AKIAQ4ZK7WRD2NBXYTLM"
SECRET_KEY = "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"


def _scan(tmp_path: Path, name: str, text: str, rules: list[str]) -> list[Finding]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return scan_dir(tmp_path, rules=rules).active


def test_column_points_at_the_whole_token(tmp_path: Path) -> None:
    line = f'HEADERS = {{"Authorization": "token {GITHUB}"}}\n'
    (finding,) = _scan(tmp_path, "client.py", line, ["MLA102"])
    span = finding.location.span
    assert span is not None
    assert (span.line, span.column) == (1, line.index(GITHUB) + 1)
    assert "GitHub Token" in finding.message


def test_secrets_are_redacted_in_message_and_key(tmp_path: Path) -> None:
    text = f'login(token="{GITHUB}", password="{PASSWORD}")\n'
    findings = _scan(tmp_path, "client.py", text, ["MLA102"])
    assert len(findings) == 2
    for finding in findings:
        for raw in (GITHUB, PASSWORD):
            assert raw not in finding.message
            assert raw not in finding.key  # the fingerprint is hashed from the key


def test_aws_keys_are_mla101s_only(tmp_path: Path) -> None:
    text = (f'client = boto3.client("s3", aws_access_key_id="{KEY_ID}", '
            f'aws_secret_access_key="{SECRET_KEY}")\n'
            f'db_password = "{PASSWORD}"\n')
    findings = _scan(tmp_path, "settings.py", text, ["MLA101", "MLA102"])
    got = sorted((f.rule_id, f.location.line) for f in findings)
    assert got == [("MLA101", 1), ("MLA101", 1), ("MLA102", 2)]
    for finding in findings:
        assert KEY_ID not in finding.key and SECRET_KEY not in finding.key


def test_one_finding_per_secret_even_when_several_plugins_match(tmp_path: Path) -> None:
    # GitHub plugin, keyword plugin and the entropy plugin all match this token.
    findings = _scan(tmp_path, "settings.py", f'GITHUB_TOKEN = "{GITHUB}"\n', ["MLA102"])
    assert [f.message.split(" ")[0] for f in findings] == ["GitHub"]


def test_dotenv_secrets_are_one_file_finding(tmp_path: Path) -> None:
    text = f"MODEL_NAME=bert\nDB_PASSWORD={PASSWORD}\nAPI_TOKEN={GITHUB}\n"
    findings = _scan(tmp_path, ".env", text, ["MLA101", "MLA102", "MLA103"])
    assert [(f.rule_id, f.location.line) for f in findings] == [("MLA103", 2)]
    assert PASSWORD not in findings[0].message


def test_settings_of_detect_secrets_do_not_leak() -> None:
    from detect_secrets.settings import get_settings

    before = get_settings().json()
    assert detect("a.py", [f'password = "{PASSWORD}"'], "a.py")
    assert get_settings().json() == before


@pytest.mark.parametrize(("lines", "expected"), [
    (['"name": "AWS_SECRET_ACCESS_KEY",', f'"value": "{SECRET_KEY}"'], [(2, SECRET_KEY)]),
    (["- name: AWS_SECRET_ACCESS_KEY", f"  value: {SECRET_KEY}"], [(2, SECRET_KEY)]),
    (['{"name": "OTHER", "value": "x"},', f'"value": "{SECRET_KEY}"'], []),
    (['variable "aws_secret_key" {', "  type = string", f'  default = "{SECRET_KEY}"'],
     [(3, SECRET_KEY)]),
    ([f'CACHE_KEY = "{SECRET_KEY}"'], []),
    ([f"KEY={KEY_ID} again={KEY_ID}"], [(1, KEY_ID)]),
    (["id = 'AKIAXXXXXXXXXXXXXXXX'", "id = 'AKIAIOSFODNN7EXAMPLE'"], []),
    # A key id in a presigned URL is half a pair only when the secret is in the file too.
    ([f"url = 'https://b.s3.amazonaws.com/k?X-Amz-Credential={KEY_ID}/20240101/x'"], []),
    ([f"url = 'https://b.s3.amazonaws.com/k?AWSAccessKeyId={KEY_ID}&Expires=1'"], []),
    ([f"url = 'https://b?AWSAccessKeyId={KEY_ID}'", f'aws_secret_key = "{SECRET_KEY}"'],
     [(1, KEY_ID), (2, SECRET_KEY)]),
])
def test_aws_matcher(lines: list[str], expected: list[tuple[int, str]]) -> None:
    assert [(k.line, k.value) for k in find_aws_keys(lines)] == expected


@pytest.mark.parametrize(("name", "value", "secret"), [
    ("DB_PASSWORD", "hunter2hunter2", "hunter2hunter2"),
    ("DATABASE_URL", "postgres://app:Pw7kQz2x@db:5432/x", "Pw7kQz2x"),
    ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/x", None),
    ("DB_PASSWORD", "{{resolve:secretsmanager:prod/db}}", None),
    ("API_TOKEN", "changeme", None),
    ("TOKEN_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:x", None),
    ("PASSWORD_FILE", "/run/secrets/db", None),
    ("MODEL_NAME", "sentiment-v3", None),
    ("PASSWORD_ITERATIONS", "4096", None),
    ("PASSWORD_EXPIRE", "never", None),
    ("TOKEN_STORE", "SSM", None),
    ("GITHUB_WEBHOOK_SECRET", "REPLACE-WITH-YOUR-SECRET-HERE", None),
    ("API_KEY", "abc123", None),
    ("DB_PASSWORD", ":SecretString:password}}", None),
    ("DEPLOY_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake", None),
    ("DB_PASSWORD", "correct-horse-battery-staple", "correct-horse-battery-staple"),
    ("API_KEY", "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f", "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"),
])
def test_literal_secret(name: str, value: str, secret: str | None) -> None:
    assert literal_secret(name, value) == secret


def test_references() -> None:
    assert all(is_reference(v) for v in ("${X}", "var.db_password", "!Ref Param",
                                         "${{ secrets.X }}", "{{resolve:ssm:/x}}"))
    assert not is_reference("Vw3nRq8xKz5t")


@pytest.mark.parametrize(("value", "described"), [
    ("Vq7Lw2Xr9Tz4Kp8Mn3Bd6Hs1Jf5Gc0Ya2We7Qu4e", "40 characters, mixed case and digits"),
    ("3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f", "36 characters, UUID-shaped"),
    ("Tr0ub4dor-and-3", "15 characters, mixed case, digits and symbols"),
    ("9f86d081884c7d65", "16 characters, hex"),
])
def test_shape_describes_without_the_value(value: str, described: str) -> None:
    assert shape(value) == described


@pytest.mark.parametrize("value", [
    "never", "SSM", "auto", "REPLACE_ME", "changethis", "changeme", "<your-token>",
    "xxxxxxxxxxxx", "${VAR}", "{{ var }}", "TODO", "none", "dummy", "example", "inherit",
    "githubSecret", "YOUR-TWILIO-AUTH-TOKEN-HERE", "4096", "abc123", "sk_live_XXXXXXXXXXXX",
    "{{resolve:secretsmanager:", "ssh-rsa AAAAB3NzaC1yc2E", "-----BEGIN PUBLIC KEY-----",
])
def test_benign_values(value: str) -> None:
    assert benign_value(value)


@pytest.mark.parametrize("value", [
    "Hk2mQz8vRt4w", "hunter2hunter2", "qwkRtzPlmnBv", "correct-horse-battery-staple",
    "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f",
])
def test_secret_shaped_values(value: str) -> None:
    assert not benign_value(value)
