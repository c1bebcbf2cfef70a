"""ScriptedCaller: a source that holds up its end of a conversation like a person on the phone.

It says a prompt, then listens: silence, paced like a microphone, until the agent has started
answering and fallen silent again, then a short human pause, then the next prompt. So turn-taking
follows the agent's real playback (see :class:`~plugins_core.builtin.playback.Playback`), and a
multi-turn session has the rhythm of a call instead of prompts read back to back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from plugins_core.audio import PcmData
from plugins_core.builtin.audio_format import conform
from plugins_core.builtin.sources import GeneratedSource
from plugins_core.events import AudioFormat

__all__ = ["AgentVoice", "ScriptedCaller"]

logger = logging.getLogger(__name__)


class AgentVoice(Protocol):
    """What the caller listens to: how many chunks of the agent's audio have started playing, and
    whether any is still playing or queued (a :class:`Playback` is one)."""

    @property
    def chunks_started(self) -> int: ...

    @property
    def busy(self) -> bool: ...


class ScriptedCaller(GeneratedSource):
    """Says ``prompts`` (audio, or WAV paths) in order, each after the agent answered the one before.

    ``pauses_ms``: the silence between the end of the agent's reply and the next prompt, one per
    prompt (cycled); also how long the caller stays on the line after the last reply. A prompt the
    agent does not answer within ``reply_timeout_ms`` is followed by the next one all the same
    (counted in ``unanswered``).
    """

    def __init__(
        self,
        prompts: Sequence[PcmData | str | Path],
        agent: AgentVoice,
        *,
        pauses_ms: int | Sequence[int] = 600,
        reply_timeout_ms: int = 10_000,
        sample_rate: int = 16000,
        chunk_ms: int = 20,
        realtime: bool = True,
    ) -> None:
        super().__init__(sample_rate, 1, chunk_ms, realtime)
        if not prompts:
            raise ValueError("prompts: at least one is needed")
        pauses = [pauses_ms] if isinstance(pauses_ms, int) else list(pauses_ms)
        if not pauses or any(isinstance(p, bool) or not isinstance(p, int) or p < 0 for p in pauses):
            raise ValueError(f"pauses_ms={pauses_ms!r}: must be milliseconds >= 0, or a list of them")
        self.agent = agent
        self.paths = [Path(p) for p in prompts if not isinstance(p, PcmData)]
        self._prompts = [_samples(p, sample_rate) for p in prompts]
        self._pause_chunks = [self._chunks_for(p) for p in pauses]
        self._timeout_chunks = self._chunks_for(reply_timeout_ms)
        self.prompt_index = 0
        self.unanswered = 0
        self._phase = "speak"
        self._offset = 0
        self._mark = agent.chunks_started
        self._waited = 0
        self._pause_left = 0
        self._heard = 0  # agent chunks started when the pause began

    def _chunks_for(self, ms: int) -> int:
        return round(ms * self.sample_rate / 1000 / self.chunk_frames)

    @property
    def prompts(self) -> int:
        return len(self._prompts)

    @property
    def listening(self) -> bool:
        """Between prompts: waiting for the agent or pausing."""
        return self._phase != "speak"

    async def read(self) -> PcmData | None:
        if not self.realtime and self.listening:
            await asyncio.sleep(0)  # flat out, the agent's playback must still get its turn on the loop
        return await super().read()

    def _chunk(self, index: int) -> PcmData | None:
        if self._phase == "speak":
            return self._speak()
        if self._phase == "listen":
            answered = self.agent.chunks_started > self._mark and not self.agent.busy
            if answered or self._waited >= self._timeout_chunks:
                if not answered:
                    self.unanswered += 1
                    logger.warning("ScriptedCaller: prompt %d was not answered", self.prompt_index + 1)
                self._phase, self._heard = "pause", self.agent.chunks_started
                self._pause_left = self._pause_chunks[self.prompt_index % len(self._pause_chunks)]
            else:
                self._waited += 1
            return self._silence()
        if self.agent.busy or self.agent.chunks_started != self._heard:  # the agent speaks again: hear it out
            self._phase, self._waited = "listen", 0
            return self._silence()
        if self._pause_left > 0:
            self._pause_left -= 1
            return self._silence()
        if self.prompt_index + 1 >= len(self._prompts):
            return None  # the last reply was heard out: hang up
        self.prompt_index += 1
        self._phase, self._offset, self._mark = "speak", 0, self.agent.chunks_started
        return self._speak()

    def _speak(self) -> PcmData:
        prompt = self._prompts[self.prompt_index]
        piece = prompt[self._offset : self._offset + self.chunk_frames]
        self._offset += self.chunk_frames
        if self._offset >= len(prompt):
            self._phase, self._waited = "listen", 0
        if len(piece) < self.chunk_frames:
            piece = np.concatenate([piece, np.zeros(self.chunk_frames - len(piece), np.int16)])
        return PcmData(piece, self.sample_rate, AudioFormat.PCM_S16)

    def _silence(self) -> PcmData:
        return PcmData(np.zeros(self.chunk_frames, np.int16), self.sample_rate, AudioFormat.PCM_S16)


def _samples(prompt: PcmData | str | Path, sample_rate: int) -> np.ndarray[Any, Any]:
    pcm = prompt if isinstance(prompt, PcmData) else PcmData.from_wav(Path(prompt))
    samples = conform(pcm, sample_rate, 1).samples
    if samples.size == 0:
        raise ValueError(f"prompt {prompt!r}: holds no audio")
    return samples
