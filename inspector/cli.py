"""``plugins-inspector``: ``demo`` (inspector + built-in voice pipeline) and ``serve`` (a store).

Both serve on 127.0.0.1 until Ctrl-C or SIGTERM; another ``--host`` needs a ``--token`` (one is
generated and printed when none is given).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from inspector.demo import DemoOptions, run_demo
from inspector.server import InspectorServer
from inspector.settings import InspectorSettings, is_loopback
from plugins_core import EventRegistry, SerializationError, read_ndjson, set_global_registry
from plugins_core.builtin import portaudio_status

__all__ = ["main"]

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plugins-inspector", description="Live inspector for voice-AI plugin events."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    common.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    common.add_argument("--token", help="required on every request; mandatory beyond 127.0.0.1")
    common.add_argument("--open", action="store_true", help="open the inspector in a browser")
    common.add_argument("--max-events", type=int, default=50_000, help="events kept (default 50,000)")
    common.add_argument("--max-audio-mb", type=float, default=64, help="audio kept, in MiB (default 64)")
    common.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    demo = commands.add_parser("demo", parents=[common], help="inspector + the built-in voice pipeline")
    demo.add_argument("--mic", action="store_true", help="listen to the microphone instead of prompt files")
    demo.add_argument("--speaker", action="store_true", help="play the replies on the speaker")
    demo.add_argument(
        "--rounds", type=int, help="passes over the prompts, then keep serving (default: forever)"
    )
    serve = commands.add_parser("serve", parents=[common], help="serve events from NDJSON exports")
    serve.add_argument("load", nargs="*", type=Path, help="NDJSON files written by /api/export.ndjson")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    token = args.token
    if not is_loopback(args.host) and not token:
        token = secrets.token_urlsafe(16)
        print(f"--host {args.host} is reachable from other machines: generated a token", flush=True)
    try:
        settings = InspectorSettings(host=args.host, port=args.port, token=token)
    except ValueError as exc:
        print(f"plugins-inspector: {exc}", file=sys.stderr)
        return 2
    registry = EventRegistry(max_events=args.max_events, max_audio_bytes=int(args.max_audio_mb * 2**20))
    set_global_registry(registry)
    try:
        return asyncio.run(_serve(args, registry, settings))
    except KeyboardInterrupt:
        return 0


async def _serve(args: argparse.Namespace, registry: EventRegistry, settings: InspectorSettings) -> int:
    if args.command == "serve":
        for path in args.load:
            try:
                with path.open(encoding="utf-8") as handle:
                    count = sum(1 for event in read_ndjson(handle) if registry.register_event(event))
            except (OSError, SerializationError) as exc:
                print(f"plugins-inspector: cannot load {path}: {exc}", file=sys.stderr)
                return 2
            print(f"loaded {count} events from {path}", flush=True)
    server = InspectorServer(registry, settings)
    await server.start()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.request_stop)
    print(f"plugins-inspector {args.command}: {server.url}  (Ctrl-C to stop)", flush=True)
    if args.open:
        webbrowser.open(server.url)
    demo_task: asyncio.Task[int] | None = None
    if args.command == "demo":
        available, status = portaudio_status()
        if not available and (args.mic or args.speaker):
            print(f"PortAudio: {status}", flush=True)
        options = DemoOptions(mic=args.mic, speaker=args.speaker, rounds=args.rounds)
        demo_task = asyncio.get_running_loop().create_task(run_demo(registry, options, notify=_say))
        demo_task.add_done_callback(_report_demo)
    try:
        await server.wait()
    finally:
        if demo_task is not None and not demo_task.done():
            demo_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await demo_task
        await server.stop()
    print("plugins-inspector: stopped", flush=True)
    return 0


def _say(message: str) -> None:
    print(f"demo: {message}", flush=True)


def _report_demo(task: asyncio.Task[int]) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        logger.error("demo pipeline failed; the inspector keeps serving", exc_info=error)
    else:
        _say(f"done: {task.result()} conversations; still serving")
