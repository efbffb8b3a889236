"""What makes a Lambda function an ML function: a large package or ML framework layers."""

from __future__ import annotations

from mlaudit.models.live import LambdaFunction
from mlaudit_rules.live._live import ML_LAYER_WORDS

LARGE_ZIP = 50 * 1024 * 1024  # code plus layers, unzipped-size proxy: the zip itself
LARGE_IMAGE = 1024 * 1024 * 1024


def ml_reason(function: LambdaFunction) -> str | None:
    """Why this function is heavy to start ("" never), or None when it is not."""
    layers = [_name(layer.arn) for layer in function.layers
              if any(word in _name(layer.arn).lower() for word in ML_LAYER_WORDS)]
    if layers:
        names = ", ".join(layers)
        return f"its layers carry an ML framework ({names})"
    total = function.code_size + sum(layer.code_size for layer in function.layers)
    if function.package_type == "Zip" and total >= LARGE_ZIP:
        return f"its package and layers weigh {total // (1024 * 1024)} MiB"
    if function.image_size is not None and function.image_size >= LARGE_IMAGE:
        return f"its image weighs {function.image_size // (1024 * 1024)} MiB"
    return None


def _name(arn: str) -> str:
    """`arn:aws:lambda:region:account:layer:NAME:version` -> NAME."""
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn
