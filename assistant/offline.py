"""Switch off every network path of the libraries we use. Called first by each entry point."""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def go_offline() -> None:
    """Set the offline and no-telemetry switches; a value the user set explicitly is kept."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
