"""Shell completion scripts, generated from the argument parser by shtab.

shtab is a small maintained library that turns an argparse parser into bash, zsh and fish
completion scripts: the completion stays in step with the options without a hand-written
script to forget. Imported only by `mlaudit completion`.
"""

from __future__ import annotations

import argparse

from mlaudit.errors import UsageError


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    try:
        import shtab
    except ImportError:  # pragma: no cover - shtab is a dependency
        raise UsageError("shell completion needs the 'shtab' package (pip install shtab)"
                         ) from None
    # File and directory arguments complete as paths.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                for option in sub._actions:
                    if option.metavar in ("FILE", "PATH"):
                        option.complete = shtab.FILE
                    elif option.metavar == "DIR":
                        option.complete = shtab.DIRECTORY
    script: str = shtab.complete(parser, shell=shell)
    return script if script.endswith("\n") else script + "\n"
