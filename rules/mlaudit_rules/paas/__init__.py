"""MLA9xx: platform-as-a-service deployments (Render, Heroku, Fly.io, App Runner).

The rules of this family, by module name (one rule per module). The package imports none
of them: `mlaudit_rules.load_all()` and the engine import a rule module only when needed.
"""

MODULES: tuple[str, ...] = (
)
