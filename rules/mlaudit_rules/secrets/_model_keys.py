"""Keys of hosted model APIs (OpenAI, Anthropic, Hugging Face, Cohere, Replicate, Google AI)
by their exact shapes.

Shared by MLA105, which reports them, and MLA102/MLA104, which leave such a value to it:
one key, one finding. A key is recognised by its documented prefix and length, so the
shape alone is strong evidence; the two providers whose keys carry no private prefix
(Cohere, and Google's `AIza` keys, which Maps and Firebase web configs also use and
publish by design) need the provider named on the line or in the file.
Pure string work: this runs on the pre-commit path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A cheap test for the whole file before any per-line work.
CANDIDATE_RE = re.compile(r"sk-|hf_|api_org_|r8_|AIza|(?i:cohere)")

# (provider, kind, pattern). Patterns are anchored on non-token characters either side, so
# a key is matched whole and a longer random run holding a prefix is not.
_EDGE_L = r"(?<![A-Za-z0-9_-])"
_EDGE_R = r"(?![A-Za-z0-9_-])"
_SHAPES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("Anthropic", "API key", re.compile(
        _EDGE_L + r"sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{80,120}" + _EDGE_R)),
    # Project, service-account and admin keys all carry the `T3BlbkFJ` marker
    # (base64 of "OpenAI"); user keys of the first generation are 48 characters.
    ("OpenAI", "API key", re.compile(
        _EDGE_L + r"sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{16,200}T3BlbkFJ"
        r"[A-Za-z0-9_-]{16,200}" + _EDGE_R)),
    ("OpenAI", "API key", re.compile(_EDGE_L + r"sk-[A-Za-z0-9]{48}" + _EDGE_R)),
    ("OpenAI", "project API key", re.compile(
        _EDGE_L + r"sk-proj-[A-Za-z0-9_-]{100,200}" + _EDGE_R)),
    ("Hugging Face", "access token", re.compile(_EDGE_L + r"hf_[A-Za-z]{34}" + _EDGE_R)),
    ("Hugging Face", "organization API token", re.compile(
        _EDGE_L + r"api_org_[A-Za-z]{34}" + _EDGE_R)),
    ("Replicate", "API token", re.compile(_EDGE_L + r"r8_[A-Za-z0-9]{37}" + _EDGE_R)),
)
_OPENAI_KINDS = {"sk-proj-": "project API key", "sk-svcac": "service account key",
                 "sk-admin": "admin key"}
_GOOGLE_RE = re.compile(_EDGE_L + r"AIza[0-9A-Za-z_-]{35}" + _EDGE_R)
# Google's key shape is shared with Maps/Firebase browser keys: only a file that talks to
# Google's generative models makes it a model key.
_GOOGLE_AI_CONTEXT_RE = re.compile(
    r"(?i)genai|gemini|generativelanguage|palm|GOOGLE_AI|vertexai|langchain_google|google_api_key")
# Cohere keys are 40 letters and digits with no prefix: only under a Cohere name.
_COHERE_RE = re.compile(
    r"""(?i)(?:co_?api_?key|cohere[\w.]*?(?:api_?key|token|key)|cohere\.(?:Async)?Client(?:V2)?\()"""
    r"""["'\]]*\s*(?:[:=]=?|\(|,)?\s*(?:api_key\s*=\s*)?["']?([A-Za-z0-9]{40})(?![A-Za-z0-9])""")


_PREFIX_RE = re.compile(r"^(?:sk-(?:ant-\w+?-|proj-|svcacct-|admin-|None-)?|hf_|api_org_|r8_|AIza)")


@dataclass(frozen=True, slots=True)
class ModelKey:
    line: int  # 1-based
    start: int  # 0-based offset in the line
    value: str
    provider: str  # "OpenAI"
    kind: str  # "API key"

    @property
    def label(self) -> str:
        return f"{self.provider} {self.kind}"


def _looks_random(token: str) -> bool:
    """Not a made-up stand-in: no run of one character, several distinct characters, and
    both cases (every provider's keys are mixed case)."""
    body = _PREFIX_RE.sub("", token)
    if re.search(r"(.)\1{5}", body) or re.search(r"(?i)x{4}|abcdef|012345|example", body):
        return False
    return (len(set(body)) >= min(12, len(body) // 2)
            and any(c.islower() for c in body) and any(c.isupper() for c in body))


def find_model_keys(lines: list[str]) -> list[ModelKey]:
    """Every hosted-model API key written on `lines`, at most one per span of text."""
    text = "\n".join(lines)
    if not CANDIDATE_RE.search(text):
        return []
    google_context = bool(_GOOGLE_AI_CONTEXT_RE.search(text))
    found: list[ModelKey] = []
    for number, line in enumerate(lines, 1):
        taken: list[tuple[int, int]] = []

        def add(start: int, value: str, provider: str, kind: str,
                taken: list[tuple[int, int]] = taken, number: int = number) -> None:
            end = start + len(value)
            if any(start < e and s < end for s, e in taken) or not _looks_random(value):
                return
            taken.append((start, end))
            found.append(ModelKey(number, start, value, provider, kind))

        for provider, kind, pattern in _SHAPES:
            for match in pattern.finditer(line):
                value = match.group(0)
                add(match.start(), value, provider, _OPENAI_KINDS.get(value[:8], kind)
                    if provider == "OpenAI" else kind)
        if google_context and "AIza" in line:
            for match in _GOOGLE_RE.finditer(line):
                add(match.start(), match.group(0), "Google AI", "API key")
        if "ohere" in line or "OHERE" in line or "co_api" in line.lower():
            for match in _COHERE_RE.finditer(line):
                add(match.start(1), match.group(1), "Cohere", "API key")
    return found


def model_key_values(lines: list[str]) -> set[tuple[int, str]]:
    """(line, value) of every model key: what MLA102 and MLA104 leave to MLA105."""
    return {(k.line, k.value) for k in find_model_keys(lines)}


def is_model_key(value: str) -> bool:
    return any(k.value == value.strip().strip("'\"") for k in find_model_keys([value]))
