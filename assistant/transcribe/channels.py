"""What a two-channel recording holds: one party a channel (as call recorders make them), the same
mix on both channels, or speech on one channel only. Decided from short-time energy, not the header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from assistant.transcribe.audio import SAMPLE_RATE

Layout = Literal["split", "mixed", "left_only", "right_only"]
FRAME_S = 0.05
ACTIVE_DBFS = -50.0  # a frame quieter than this on both channels is silence
DOMINANT_DB = 10.0  # one channel louder by this much carries the frame on its own
SPLIT_SHARE = 0.6  # share of active frames one channel must carry alone for a split recording
SILENT_CHANNEL_DB = -30.0  # a channel this much quieter than the other over the whole call is unused


@dataclass(frozen=True)
class ChannelLayout:
    layout: Layout
    dominant_share: float
    level_difference_db: float

    def to_dict(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "dominant_share": round(self.dominant_share, 3),
            "level_difference_db": round(self.level_difference_db, 1),
        }


def _frame_db(audio: np.ndarray) -> np.ndarray:
    size = int(FRAME_S * SAMPLE_RATE)
    count = len(audio) // size
    frames = audio[: count * size].reshape(count, size).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def stereo_layout(left: np.ndarray, right: np.ndarray) -> ChannelLayout:
    left_db, right_db = _frame_db(left), _frame_db(right)
    total_left = 10 * np.log10(np.mean(np.square(left, dtype=np.float64)) + 1e-12)
    total_right = 10 * np.log10(np.mean(np.square(right, dtype=np.float64)) + 1e-12)
    difference = float(total_left - total_right)
    active = (left_db > ACTIVE_DBFS) | (right_db > ACTIVE_DBFS)
    share = float(np.mean(np.abs(left_db[active] - right_db[active]) > DOMINANT_DB)) if active.any() else 0.0
    if difference > -SILENT_CHANNEL_DB:
        layout: Layout = "left_only"
    elif difference < SILENT_CHANNEL_DB:
        layout = "right_only"
    elif share >= SPLIT_SHARE:
        layout = "split"
    else:
        layout = "mixed"
    return ChannelLayout(layout, share, difference)
