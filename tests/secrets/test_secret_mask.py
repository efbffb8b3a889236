"""SecretMask (every secret of a scan, applied to each excerpt through an index) gives
exactly what redact_in gives walking every secret."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mlaudit.redact import SecretMask, redact_in

_ALPHABET = "abAKI*_-=: 0123456789"
_secret = st.text(_ALPHABET, min_size=0, max_size=20)


@settings(max_examples=150, deadline=None)
@given(st.sets(_secret, max_size=8), st.lists(_secret, max_size=6), st.text(_ALPHABET,
                                                                           max_size=30))
def test_mask_equals_redact_in(secrets: set[str], pieces: list[str], filler: str) -> None:
    text = filler.join(pieces) + filler
    mask = SecretMask(secrets)
    assert mask(text) == redact_in(text, tuple(secrets))


def test_mask_reads_only_the_secrets_in_the_text() -> None:
    secrets = {f"password-{i:05d}-value" for i in range(2000)}
    mask = SecretMask(secrets)
    assert mask("db = password-01234-value") == redact_in("db = password-01234-value",
                                                          tuple(secrets))
    assert mask("nothing here") == "nothing here"
