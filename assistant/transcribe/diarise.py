"""Telling two voices apart in a one-channel recording, after Whisper has transcribed it.

1. Each Whisper segment is cut into pieces of about 1.5 s (resemblyzer's own window) at word
   boundaries (and at pauses) when there are word times, else into equal parts. Each piece's speech
   frames are embedded once (no overlap, so the cost is one pass over the speech); pieces follow the
   words, so a change of speaker between sentences falls between pieces.
2. Pieces with at least 0.5 s of speech are clustered into two voices (spherical 2-means weighted
   by speech); every piece then takes the nearer voice.
3. A Whisper segment (mostly one sentence of one speaker) takes the voice of most of its speech,
   unless some of its pieces are clearly the other voice: then the change is kept inside it.
4. One voice or two: each voice is averaged over its whole segments (as resemblyzer averages an
   utterance). When the two are more alike than ``one_voice_similarity``, or the second holds under
   15% of the speech, the recording is one voice and stays one speaker: a split would only cut one
   person in two.

The result is a list of spans with a voice (0 = the voice heard first) and a margin: how much closer
the piece is to its voice than to the other. Small margins are flagged for the reviewer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.transcribe.recognise import Segment
from assistant.transcribe.voices import HOP, SAMPLE_RATE, embed_spans, loudness_gain, mel_frames, speech_frames

PIECE_S = 1.5
MIN_PIECE_S = 0.5  # shorter pieces are widened to this for embedding
MAX_GAP_S = 0.5  # a pause this long between words starts a new piece
RELIABLE_FRAMES = 50  # pieces with less speech than this (0.5 s) do not shape the voices, they only join one
CLEAR_MARGIN = 0.08  # a piece this much closer to one voice keeps it even against its segment
MIN_VOICE_SHARE = 0.15  # a "voice" with less of the speech than this is a few odd pieces, not a person
UNRELIABLE_MARGIN = 0.01


@dataclass(frozen=True)
class VoiceSpan:
    start: float
    end: float
    voice: int
    margin: float


@dataclass(frozen=True)
class Diarisation:
    spans: list[VoiceSpan]
    voices: int
    similarity: float | None
    seconds: float

    def voice_at(self, start: float, end: float) -> tuple[int, float | None, float]:
        """(voice, margin, distance in seconds to the nearest span) for the stretch start..end: the
        span covering most of it, else the one nearest its middle."""
        if not self.spans:
            return 0, None, float("inf")
        best: VoiceSpan | None = None
        best_overlap = 0.0
        for span in self.spans:
            overlap = min(end, span.end) - max(start, span.start)
            if overlap > best_overlap:
                best, best_overlap = span, overlap
        if best is not None:
            return best.voice, best.margin, 0.0
        middle = (start + end) / 2
        nearest = min(
            self.spans,
            key=lambda sp: 0.0 if sp.start <= middle <= sp.end else min(abs(sp.start - middle), abs(sp.end - middle)),
        )
        distance = (
            0.0
            if nearest.start <= middle <= nearest.end
            else min(abs(nearest.start - middle), abs(nearest.end - middle))
        )
        return nearest.voice, nearest.margin, distance

    def to_dict(self) -> dict[str, Any]:
        return {
            "voices": self.voices,
            "centre_similarity": None if self.similarity is None else round(self.similarity, 4),
            "pieces": len(self.spans),
        }


def pieces(segments: Sequence[Segment], target: float = PIECE_S) -> list[tuple[float, float, int]]:
    """(start, end, segment index) pieces of about `target` seconds, cut between words where known."""
    out: list[tuple[float, float, int]] = []
    for index, segment in enumerate(segments):
        if segment.words:
            bounds: list[list[float]] = []
            for word in segment.words:
                joined = bounds and bounds[-1][1] - bounds[-1][0] < target and word.start - bounds[-1][1] < MAX_GAP_S
                if joined:
                    bounds[-1][1] = max(bounds[-1][1], word.end)
                else:
                    bounds.append([word.start, word.end])
            if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < MIN_PIECE_S:
                last = bounds.pop()
                bounds[-1][1] = max(bounds[-1][1], last[1])
            out.extend((start, end, index) for start, end in bounds)
        else:
            length = max(segment.end - segment.start, 0.0)
            count = max(1, int(round(length / target)))
            out.extend(
                (segment.start + length * k / count, segment.start + length * (k + 1) / count, index)
                for k in range(count)
            )
    return out


def _widened(start: float, end: float, duration: float) -> tuple[float, float]:
    if end - start >= MIN_PIECE_S:
        return start, end
    middle = (start + end) / 2
    return max(0.0, middle - MIN_PIECE_S / 2), min(duration, middle + MIN_PIECE_S / 2)


def two_means(
    embeddings: np.ndarray, weights: np.ndarray, restarts: int = 10, iterations: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """(labels, unit centres) of a length-weighted spherical 2-means: k-means++ starts from a fixed seed,
    the tightest of `restarts` runs kept. Deterministic for the same input."""
    count = len(embeddings)
    rng = np.random.default_rng(0)
    share = weights / weights.sum()
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(restarts):
        first = int(rng.choice(count, p=share))
        spread = share * np.clip(1.0 - embeddings @ embeddings[first], 0.0, None) ** 2
        if spread.sum() <= 0:
            break
        second = int(rng.choice(count, p=spread / spread.sum()))
        centres = embeddings[[first, second]].astype(np.float64)
        labels = np.full(count, -1)
        for _ in range(iterations):
            new_labels = np.argmax(embeddings @ centres.T, axis=1)
            if np.array_equal(new_labels, labels) or len(set(new_labels.tolist())) < 2:
                break
            labels = new_labels
            for k in (0, 1):
                total = (embeddings[labels == k] * weights[labels == k, None]).sum(axis=0)
                centres[k] = total / max(float(np.linalg.norm(total)), 1e-9)
        if len(set(labels.tolist())) < 2:
            continue
        fit = float((weights * (embeddings @ centres.T)[np.arange(count), labels]).sum())
        if best is None or fit > best[0] + 1e-9:
            best = (fit, labels.copy(), centres.copy())
    if best is None:  # every piece the same: one voice
        centre = embeddings.mean(axis=0)
        centre = centre / max(float(np.linalg.norm(centre)), 1e-9)
        return np.zeros(count, dtype=int), np.stack([centre, centre]).astype(np.float32)
    return best[1], best[2].astype(np.float32)


def diarise(
    encoder: Any, audio: np.ndarray, segments: Sequence[Segment], one_voice_similarity: float, threads: int = 1
) -> Diarisation:
    started = time.perf_counter()
    cut = pieces(segments)
    if not cut:
        return Diarisation([], 0, None, time.perf_counter() - started)
    duration = len(audio) / SAMPLE_RATE
    mel = mel_frames(audio)
    keep = speech_frames(mel)
    gain = loudness_gain(audio, np.repeat(keep, HOP)[: len(audio)])
    mel *= gain**2
    spans = [_widened(s, e, duration) for s, e, _ in cut]
    embeddings, voiced = embed_spans(encoder, mel, spans, keep=keep, threads=threads)
    one = [VoiceSpan(round(s, 3), round(e, 3), 0, 1.0) for s, e, _ in cut]
    reliable = voiced >= RELIABLE_FRAMES
    if reliable.sum() < 2:
        return Diarisation(one, 1, None, time.perf_counter() - started)
    labels, centres = two_means(embeddings[reliable], voiced[reliable].astype(float))
    scores = embeddings @ centres.T
    labels = np.argmax(scores, axis=1)
    margins = np.abs(scores[:, 0] - scores[:, 1])
    segment_of = [p for _, _, p in cut]
    labels = _by_segment(labels, margins, voiced, segment_of)
    similarity, smaller_share = _separation(embeddings, voiced, labels, segment_of)
    if similarity > one_voice_similarity or smaller_share < MIN_VOICE_SHARE:
        return Diarisation(one, 1, similarity, time.perf_counter() - started)
    if labels[0] != 0:  # voice 0 is the one heard first
        labels = 1 - labels
    margins[~reliable] = np.minimum(margins[~reliable], UNRELIABLE_MARGIN)  # too little speech to be sure
    spans_out = [
        VoiceSpan(round(s, 3), round(e, 3), int(v), round(float(m), 4))
        for (s, e, _), v, m in zip(cut, labels, margins, strict=True)
    ]
    return Diarisation(spans_out, 2, similarity, time.perf_counter() - started)


def _by_segment(labels: np.ndarray, margins: np.ndarray, voiced: np.ndarray, segment_of: list[int]) -> np.ndarray:
    """Whisper segments are mostly one sentence of one speaker: a piece takes the voice of most of its
    segment's speech, unless it is clearly (margin and length) the other voice."""
    out = labels.copy()
    members: dict[int, list[int]] = {}
    for index, segment in enumerate(segment_of):
        members.setdefault(segment, []).append(index)
    for indices in members.values():
        votes = np.bincount(labels[indices], weights=np.maximum(voiced[indices], 1), minlength=2)
        majority = int(np.argmax(votes))
        for i in indices:
            clear = margins[i] >= CLEAR_MARGIN and voiced[i] >= 2 * RELIABLE_FRAMES
            if labels[i] != majority and not clear:
                out[i] = majority
    return out


def _separation(
    embeddings: np.ndarray, voiced: np.ndarray, labels: np.ndarray, segment_of: list[int]
) -> tuple[float, float]:
    """(similarity of the two voices, share of speech of the smaller one), each voice averaged over
    whole segments (as resemblyzer averages an utterance), which steadies both against odd pieces."""
    weight = np.maximum(voiced, 1).astype(float)
    totals = [np.zeros(embeddings.shape[1]), np.zeros(embeddings.shape[1])]
    speech = np.zeros(2)
    for segment in sorted(set(segment_of)):
        indices = [i for i, s in enumerate(segment_of) if s == segment]
        vector = (embeddings[indices] * weight[indices, None]).sum(axis=0)
        vector /= max(float(np.linalg.norm(vector)), 1e-9)
        votes = np.bincount(labels[indices], weights=weight[indices], minlength=2)
        voice = int(np.argmax(votes))
        totals[voice] += vector * votes.sum()
        speech[voice] += votes.sum()
    if not speech.all():
        return 1.0, 0.0
    centres = [t / max(float(np.linalg.norm(t)), 1e-9) for t in totals]
    return float(centres[0] @ centres[1]), float(speech.min() / speech.sum())
