"""Voice embeddings with resemblyzer's VoiceEncoder (its weights ship inside the package).

resemblyzer is imported only when the encoder is loaded. Its mel spectrogram is recomputed here in
numpy (same filters, same framing; a test checks they agree), which avoids librosa's slow first call,
and stretches of speech of any length are embedded in one batch through the encoder's LSTM.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.models import ModelError, torch_threads
from assistant.settings import Settings

SAMPLE_RATE = 16000
N_FFT = 400  # 25 ms windows
HOP = 160  # 10 ms steps: 100 frames a second
N_MELS = 40
FRAMES_PER_SECOND = SAMPLE_RATE // HOP
# resemblyzer normalises recordings to this loudness before embedding (increase only).
TARGET_DBFS = -30.0


def load_voice_encoder(settings: Settings) -> Any:
    """The resemblyzer VoiceEncoder on the CPU (it is small; the GPU, if any, is left to Whisper)."""
    try:
        from resemblyzer import VoiceEncoder
    except ImportError as exc:
        raise ModelError(
            "the voice encoder for telling speakers apart is not installed: run "
            "`pip install --no-deps resemblyzer webrtcvad-wheels`"
        ) from exc
    encoder = VoiceEncoder(device="cpu", verbose=False)
    encoder.eval()
    return encoder


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale, as librosa's default."""
    f_sp = 200.0 / 3
    mels = hz / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    log_region = hz >= min_log_hz
    mels[log_region] = min_log_mel + np.log(hz[log_region] / min_log_hz) / logstep
    return mels


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    hz = f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    log_region = mels >= min_log_mel
    hz[log_region] = min_log_hz * np.exp(logstep * (mels[log_region] - min_log_mel))
    return hz


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """(N_MELS, N_FFT // 2 + 1) Slaney-normalised triangular filters, equal to librosa.filters.mel."""
    fft_freqs = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([SAMPLE_RATE / 2]))[0], N_MELS + 2)
    )
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    weights = np.zeros((N_MELS, len(fft_freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / widths[i]
        upper = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2 : N_MELS + 2] - edges[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_frames(audio: np.ndarray, block: int = 6000) -> np.ndarray:
    """(frames, N_MELS) power mel spectrogram of 16 kHz audio, frame i centred at i * 10 ms (as resemblyzer)."""
    padded = np.pad(audio.astype(np.float32, copy=False), (N_FFT // 2, N_FFT // 2))
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
    filters = mel_filters()
    out = np.empty((n_frames, N_MELS), dtype=np.float32)
    for first in range(0, n_frames, block):
        count = min(block, n_frames - first)
        index = np.arange(N_FFT)[None, :] + HOP * (first + np.arange(count))[:, None]
        spectrum = np.abs(np.fft.rfft(padded[index] * window, axis=1)) ** 2
        out[first : first + count] = spectrum @ filters.T
    return out


def loudness_gain(audio: np.ndarray, speech: np.ndarray | None = None) -> float:
    """The gain that brings the (speech part of the) recording up to TARGET_DBFS; never below 1."""
    samples = audio[speech] if speech is not None and speech.any() else audio
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms <= 1e-9:
        return 1.0
    change_db = TARGET_DBFS - 20 * np.log10(rms)
    return float(10 ** (change_db / 20)) if change_db > 0 else 1.0


def speech_frames(mel: np.ndarray, floor_db: float = 40.0) -> np.ndarray:
    """One bool a mel frame: within `floor_db` of the recording's loud frames (its 95th percentile)."""
    level = 10 * np.log10(mel.sum(axis=1) + 1e-10)
    if not len(level):
        return np.zeros(0, dtype=bool)
    return level > np.percentile(level, 95) - floor_db


def embed_spans(
    encoder: Any,
    mel: np.ndarray,
    spans: Sequence[tuple[float, float]],
    keep: np.ndarray | None = None,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings, speech frames used) for (start, end) spans in seconds, in one batch through the LSTM.

    With `keep` (one bool a frame) only the speech frames of a span are embedded, as resemblyzer trims
    silences; a span with fewer than 10 speech frames is embedded whole. Embeddings are L2-normalised.
    """
    import torch

    sequences = []
    used = []
    for start, end in spans:
        first = int(round(start * FRAMES_PER_SECOND))
        last = max(first + 1, int(round(end * FRAMES_PER_SECOND)))
        frames = mel[first:last]
        if keep is not None:
            voiced = frames[keep[first:last]]
            if len(voiced) >= 10:
                frames = voiced
        used.append(len(frames) if keep is None else int(keep[first:last].sum()))
        sequences.append(torch.from_numpy(np.ascontiguousarray(frames)))
    if not sequences:
        return np.zeros((0, 256), dtype=np.float32), np.zeros(0, dtype=int)
    lengths = torch.tensor([max(len(s), 1) for s in sequences])
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    with torch_threads(threads), torch.inference_mode():
        _, (hidden, _) = encoder.lstm(packed)
        raw = encoder.relu(encoder.linear(hidden[-1]))
        embeddings = raw / torch.norm(raw, dim=1, keepdim=True).clamp(min=1e-9)
    return embeddings.numpy().astype(np.float32), np.array(used, dtype=int)
