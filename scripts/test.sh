#!/usr/bin/env bash
# Install what the suite needs on a fresh Debian machine, then run lint, type checks and tests.
# Debian packages: chromium (browser tests), libportaudio2 + ALSA plugins (real PortAudio, headless),
# nodejs (the JavaScript unit tests in tests/js, run by tests/test_js_units.py), redis-server (the
# Redis Streams tests start a real one).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
ldconfig -p 2>/dev/null | grep -q libportaudio || packages+=(libportaudio2)
[ -e /usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_file.so ] || [ -d /usr/share/alsa ] \
  || packages+=(alsa-utils libasound2-plugins)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
if [ "${#packages[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
