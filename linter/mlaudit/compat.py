"""Refuse to run on a forked parsing library that shadows the one mlaudit was built for.

checkov installs `bc-python-hcl2` and `bc-detect-secrets`, forks that use the *same import
names* (`hcl2`, `detect_secrets`) as python-hcl2 and detect-secrets. pip lets both land in
one environment, the later install silently overwrites the other's files, and mlaudit would
then parse Terraform (or scan secrets) with a different grammar and API: wrong results or
crashes deep inside a parser. Detecting it up front turns that into one clear exit-2
message saying what to do.

The check looks up the known forks' distribution metadata by name (never imports the
library, and never reads every installed package's metadata, which costs as much as the
import it guards), once per process per import name, only when a scan needs that library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from mlaudit.errors import UsageError
from mlaudit.sources import FileKind

# import name -> the distribution mlaudit depends on for it (pyproject dependencies)
GENUINE: dict[str, str] = {
    "hcl2": "python-hcl2",
    "detect_secrets": "detect-secrets",
}

# import name -> distributions known to ship a fork under that import name
KNOWN_FORKS: dict[str, tuple[str, ...]] = {
    "hcl2": ("bc-python-hcl2",),
    "detect_secrets": ("bc-detect-secrets",),
}

# The file kinds whose parser needs each library; the engine checks only these.
LIBRARY_FOR_KIND: dict[FileKind, str] = {
    FileKind.TERRAFORM: "hcl2",
    FileKind.TERRAFORM_JSON: "hcl2",
    FileKind.TFVARS: "hcl2",
}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503, so "Python_HCL2" == "python-hcl2"


@cache
def foreign_distributions(import_name: str) -> tuple[str, ...]:
    """Installed fork distributions that provide `import_name` besides the genuine one."""
    from importlib.metadata import PackageNotFoundError, distribution

    found = []
    for name in KNOWN_FORKS.get(import_name, ()):
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        except Exception:  # unreadable metadata: cannot tell, go on
            continue
        found.append(dist.metadata["Name"] or name)
    genuine = _normalise(GENUINE[import_name])
    return tuple(sorted({n for n in found if _normalise(n) != genuine}))


def ensure_genuine(import_name: str) -> None:
    """Raise UsageError when `import_name` is (also) provided by a foreign distribution."""
    foreign = foreign_distributions(import_name)
    if not foreign:
        return
    genuine = GENUINE[import_name]
    names = ", ".join(foreign)
    hint = " (checkov's fork)" if any(n.startswith("bc-") for n in foreign) else ""
    raise UsageError(
        f"the '{import_name}' module in this Python environment is provided by {names}"
        f"{hint}, not by {genuine}, which mlaudit needs. Both install under the import name "
        f"'{import_name}' and overwrite each other, so mlaudit cannot run reliably here. "
        "Install mlaudit in an environment of its own: `pipx install mlaudit`, a separate "
        "virtualenv, or the mlaudit pre-commit hook (which builds its own environment)."
    )


def ensure_for_kinds(kinds: Iterable[FileKind]) -> None:
    """Check every library that parsing files of these kinds will import."""
    for name in sorted({LIBRARY_FOR_KIND[k] for k in kinds if k in LIBRARY_FOR_KIND}):
        ensure_genuine(name)
