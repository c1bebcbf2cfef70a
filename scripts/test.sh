#!/usr/bin/env bash
# Install what the suite needs on a fresh Debian machine, then run lint, type checks and tests.
# Debian packages: chromium (browser tests), libportaudio2 + ALSA plugins (real PortAudio, headless).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=0
command -v chromium >/dev/null 2>&1 || need_apt=1
ldconfig -p 2>/dev/null | grep -q libportaudio || need_apt=1
[ -e /usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_file.so ] || [ -d /usr/share/alsa ] || need_apt=1
if [ "$need_apt" = 1 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium libportaudio2 alsa-utils libasound2-plugins >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
