"""Built-in engines that run offline: PocketSphinx STT, eSpeak NG TTS, energy and WebRTC VAD."""
