"""mlaudit: deployment auditing and policy linter for ML model services.

This module holds the version only and imports nothing, so `import mlaudit` stays cheap
on the pre-commit path.
"""

__version__ = "0.1.0"
