"""plugins_core.builtin.caller: a scripted caller that waits for the agent's playback between prompts.

The agent here is a real Playback (not paced, so the test runs flat out); what the caller yields is
counted in 20 ms chunks, its audio time.
"""

from __future__ import annotations

import numpy as np
import pytest

from plugins_core.audio import PcmData
from plugins_core.builtin import NullSink, Playback, ScriptedCaller, prompt_files

RATE = 16000
CHUNK = 320


def prompt(ms: int, value: int) -> PcmData:
    return PcmData(np.full(RATE * ms // 1000, value, np.int16), RATE)


async def read(caller: ScriptedCaller, count: int) -> list[int]:
    """The first sample of each of the next ``count`` chunks (-1 once the caller hung up)."""
    out = []
    for _ in range(count):
        pcm = await caller.read()
        out.append(-1 if pcm is None else int(pcm.samples[0]))
    return out


@pytest.mark.asyncio
async def test_the_caller_waits_for_the_agents_reply_then_pauses_then_speaks_again() -> None:
    agent = Playback(NullSink(), realtime=False)
    caller = ScriptedCaller([prompt(100, 7), prompt(60, 9)], agent, pauses_ms=[200, 100], realtime=False)
    assert await read(caller, 5) == [7] * 5, "the first prompt, 100 ms"
    assert await read(caller, 30) == [0] * 30 and caller.listening, "silence while nobody answers"
    agent.submit(prompt(40, 1))  # the agent answers; the playback plays it at once (not paced)
    await agent.drain()
    # one chunk notices the reply ended, then 200 ms (10 chunks) of pause, then the second prompt
    assert await read(caller, 11) == [0] * 11
    assert await read(caller, 3) == [9] * 3 and caller.prompt_index == 1
    assert await read(caller, 3) == [0] * 3
    agent.submit(prompt(40, 1))
    await agent.drain()
    assert await read(caller, 1 + 5) == [0] * 6, "the pause after the last reply"
    assert await read(caller, 2) == [-1, -1], "then it hangs up"
    assert caller.unanswered == 0


@pytest.mark.asyncio
async def test_a_prompt_nobody_answers_is_followed_by_the_next_after_the_timeout() -> None:
    agent = Playback(NullSink(), realtime=False)
    caller = ScriptedCaller(
        [prompt(20, 5), prompt(20, 6)], agent, pauses_ms=0, reply_timeout_ms=100, realtime=False
    )
    got = await read(caller, 1 + 5 + 1 + 1)
    assert got == [5, 0, 0, 0, 0, 0, 0, 6] and caller.unanswered == 1


@pytest.mark.asyncio
async def test_an_agent_that_speaks_again_during_the_pause_is_heard_out() -> None:
    agent = Playback(NullSink(), realtime=False)
    caller = ScriptedCaller([prompt(20, 5), prompt(20, 6)], agent, pauses_ms=100, realtime=False)
    assert await read(caller, 1) == [5]
    agent.submit(prompt(20, 1))
    await agent.drain()
    assert await read(caller, 3) == [0, 0, 0]  # noticed, then two of the five pause chunks
    agent.submit(prompt(20, 1))  # a second sentence: playing now
    assert agent.busy
    assert await read(caller, 1) == [0]
    await agent.drain()
    assert await read(caller, 1 + 5) == [0] * 6, "the whole pause again after the agent is quiet"
    assert await read(caller, 1) == [6]


@pytest.mark.asyncio
async def test_prompts_are_read_from_wav_files_and_resampled() -> None:
    path = prompt_files()[0]
    agent = Playback(NullSink(), realtime=False)
    caller = ScriptedCaller([path, PcmData(np.ones(4410, np.int16), 44100)], agent, realtime=False)
    assert caller.paths == [path] and caller.prompts == 2
    expected = PcmData.from_wav(path).samples
    said = []
    while caller.prompt_index == 0 and not caller.listening:
        pcm = await caller.read()
        assert pcm is not None and pcm.frame_count == CHUNK
        said.append(pcm.samples)
    spoken = np.concatenate(said)
    assert np.array_equal(spoken[: expected.size], expected) and not spoken[expected.size :].any()


def test_bad_arguments_are_refused_with_their_name() -> None:
    agent = Playback(NullSink())
    with pytest.raises(ValueError, match="prompts"):
        ScriptedCaller([], agent)
    with pytest.raises(ValueError, match="pauses_ms"):
        ScriptedCaller([prompt(20, 1)], agent, pauses_ms=[-5])
    with pytest.raises(ValueError, match="holds no audio"):
        ScriptedCaller([PcmData(np.zeros(0, np.int16), RATE)], agent)
