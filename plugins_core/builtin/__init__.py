"""Built-in plugins that run offline: PocketSphinx STT, eSpeak NG TTS, energy and WebRTC VAD, a
composed speech-to-speech plugin, the pipeline that wires them, and sounddevice audio I/O.

Importing is cheap: each engine loads its library on first use and says plainly when it cannot.
"""

from plugins_core.builtin.audio_io import (
    AudioDeviceUnavailable,
    MemorySink,
    MicrophoneSource,
    NullSink,
    SpeakerSink,
    SyntheticSource,
    WavFileSink,
    WavFileSource,
    open_sink,
    open_source,
    portaudio_status,
)
from plugins_core.builtin.conversation_sts import ConversationSTS
from plugins_core.builtin.espeak_tts import EspeakTTS
from plugins_core.builtin.pipeline import ConversationResult, Turn, VoicePipeline
from plugins_core.builtin.prompts_dir import PROMPTS_DIR, prompt_files
from plugins_core.builtin.replies import DEMO_REPLIES, ScriptedReplies
from plugins_core.builtin.sphinx_stt import PocketSphinxSTT
from plugins_core.builtin.vad_plugins import EnergyVAD, WebRTCVAD

__all__ = [
    "DEMO_REPLIES",
    "PROMPTS_DIR",
    "AudioDeviceUnavailable",
    "ConversationResult",
    "ConversationSTS",
    "EnergyVAD",
    "EspeakTTS",
    "MemorySink",
    "MicrophoneSource",
    "NullSink",
    "PocketSphinxSTT",
    "ScriptedReplies",
    "SpeakerSink",
    "SyntheticSource",
    "Turn",
    "VoicePipeline",
    "WavFileSink",
    "WavFileSource",
    "WebRTCVAD",
    "open_sink",
    "open_source",
    "portaudio_status",
    "prompt_files",
]
