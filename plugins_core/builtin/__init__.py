"""Built-in plugins that run offline: PocketSphinx STT, eSpeak NG TTS, energy and WebRTC VAD, a
composed speech-to-speech plugin, the pipeline that wires them, real-time playback, a scripted caller,
and sounddevice audio I/O.

Importing is cheap: each engine loads its library on first use and says plainly when it cannot.
"""

from plugins_core.builtin.audio_io import open_sink, open_source
from plugins_core.builtin.caller import AgentVoice, ScriptedCaller
from plugins_core.builtin.conversation_sts import ConversationSTS
from plugins_core.builtin.espeak_tts import EspeakTTS
from plugins_core.builtin.microphone import MicrophoneSource
from plugins_core.builtin.pipeline import ConversationResult, Turn, VoicePipeline
from plugins_core.builtin.playback import Playback, PlayedChunk
from plugins_core.builtin.portaudio import AudioDeviceUnavailable, portaudio_status
from plugins_core.builtin.prompts_dir import MISS_PHRASES, PROMPTS_DIR, prompt_files
from plugins_core.builtin.replies import DEMO_REPLIES, ScriptedReplies
from plugins_core.builtin.sinks import AudioSink, MemorySink, NullSink, WavFileSink
from plugins_core.builtin.sources import AudioSource, PcmSource, SyntheticSource, WavFileSource
from plugins_core.builtin.speaker import SpeakerSink
from plugins_core.builtin.sphinx_stt import PocketSphinxSTT
from plugins_core.builtin.vad_plugins import EnergyVAD, WebRTCVAD

__all__ = [
    "DEMO_REPLIES",
    "MISS_PHRASES",
    "PROMPTS_DIR",
    "AgentVoice",
    "AudioDeviceUnavailable",
    "AudioSink",
    "AudioSource",
    "ConversationResult",
    "ConversationSTS",
    "EnergyVAD",
    "EspeakTTS",
    "MemorySink",
    "MicrophoneSource",
    "NullSink",
    "PcmSource",
    "Playback",
    "PlayedChunk",
    "PocketSphinxSTT",
    "ScriptedCaller",
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
