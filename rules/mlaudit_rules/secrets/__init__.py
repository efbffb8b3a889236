"""MLA1xx: secrets in any file mlaudit reads.

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
    "aws_credentials_hardcoded",
    "credential_file_committed",
    "secret_hardcoded",
    "secret_in_plain_environment",
    "model_api_key_hardcoded",
)
