# Two commands from a fresh clone: `make run VIDEO=clip.mp4` and `make test`.
# The first use of either creates .venv and installs everything pinned by constraints.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: run serve test bench bench-exports bench-load bench-memory bench-sounds bench-surface bench-pan surface-model eval sounds sheets neural clean help

help:
	@echo "make run VIDEO=clip.mp4 [OUT=clip_foley.mp4] [ARGS='--surface wood']"
	@echo "make serve | make test | make bench | make bench-exports | make bench-load | make bench-rerender | make bench-soundtrack | make bench-memory | make bench-costs | make bench-chunks | make bench-layers | make bench-jitter | make eval | make sounds | make sheets | make bench-sounds | make clean"

NEURAL := $(VENV)/.installed-neural

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# The optional neural and clip extras (~1.1 GB): torch first, from the CPU wheel, so nothing pulls CUDA.
$(NEURAL): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,neural,clip]'
	touch $(NEURAL)

neural: $(NEURAL)

run: $(STAMP)
	@if [ -z "$(VIDEO)" ]; then echo "usage: make run VIDEO=path/to/clip.mp4 [OUT=out.mp4] [ARGS=...]" >&2; exit 2; fi
	$(BIN)/foley "$(VIDEO)" $(if $(OUT),-o "$(OUT)") $(ARGS)

# the job service on HOST:PORT (default 127.0.0.1:8000; OpenAPI at /docs) with its workers; settings are FOLEY_*
serve: $(STAMP)
	$(BIN)/foley serve $(if $(HOST),--host "$(HOST)") $(if $(PORT),--port "$(PORT)") $(ARGS)

test: $(STAMP) $(NEURAL) | /usr/bin/chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the web page's browser tests drive Debian's chromium (Playwright never downloads a browser here)
/usr/bin/chromium:
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

# the Celery tests and `make bench-load` run Debian's redis-server on loopback (a throwaway one each time)
test bench-load: | /usr/bin/redis-server
/usr/bin/redis-server:
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server

# seconds per stage for every clip (one process), then the whole `foley` process against the speed targets
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --shared $(SHARED) $(BENCH_ARGS)
	$(BIN)/python benchmarks/speed.py --shared $(SHARED)

# seconds per stage against resolution (360p..4K), length and people
.PHONY: bench-costs
bench-costs: $(STAMP)
	$(BIN)/python benchmarks/costs.py --shared $(SHARED) $(BENCH_ARGS)

eval: $(STAMP)
	$(BIN)/foley eval --shared $(SHARED) $(EVAL_ARGS)

# what delivering to an editor costs: each --export format, and a re-render from an edited event list
bench-exports: $(STAMP)
	$(BIN)/python benchmarks/exports.py --shared $(SHARED) $(BENCH_ARGS)

# contacts under a following pan: the ground-truth clips re-filmed through a moving window, with/without the camera path
bench-pan: $(STAMP)
	$(BIN)/python benchmarks/panned_contacts.py --shared $(SHARED)

# one audition WAV per surface x footwear into out/sounds (not committed)
sounds: $(STAMP)
	$(BIN)/python scripts/sound_auditions.py --out out/sounds
	$(BIN)/python scripts/specifics_sheets.py --shared $(SHARED) --out out/sounds --auditions out/sounds
	$(BIN)/python scripts/ambience_sheets.py --out out/sounds --auditions out/sounds
	$(BIN)/python scripts/music_sheets.py --out out/sounds --auditions out/sounds

# the listening sheets committed under docs/sounds
sheets: $(STAMP)
	$(BIN)/python scripts/listening_sheets.py --shared $(SHARED) --out docs/sounds
	$(BIN)/python scripts/specifics_sheets.py --shared $(SHARED) --out docs/sounds
	$(BIN)/python scripts/ambience_sheets.py --out docs/sounds
	$(BIN)/python scripts/music_sheets.py --out docs/sounds

# the surface classifier's weights (committed) from the CC0 textures and the real clips' ground
# patches (cut first: pose over the annotated clips, ~7 min), and its accuracy figures
surface-model: $(STAMP)
	$(BIN)/python scripts/make_surface_crops.py --shared $(SHARED)
	$(BIN)/python scripts/train_surface.py --shared $(SHARED)

# its figures: held-out tiles and swatches, and the real clips held out by source group (refits ~4 min)
bench-surface: $(STAMP)
	$(BIN)/python scripts/make_surface_crops.py --shared $(SHARED)
	$(BIN)/python benchmarks/surface_accuracy.py --shared $(SHARED)

# peak memory of the whole `foley` process against length: a real clip looped to 1, 5, 10 min at 1080p30
# (BENCH_ARGS='--minutes 1,3' or "--clip intel_one_by_one.mp4 --size ''" for a shorter run)
.PHONY: bench-memory
bench-memory: $(STAMP)
	$(BIN)/python benchmarks/memory.py --shared $(SHARED) $(BENCH_ARGS)

# N concurrent uploads of a real clip over HTTP on loopback with W workers, all checked: p50/p95 job latency and
# requests/s, embedded workers then Celery on Redis (BENCH_ARGS='--uploads 6' for a shorter run; default 20, 2 workers)
.PHONY: bench-load
bench-load: $(STAMP)
	$(BIN)/python benchmarks/load.py --shared $(SHARED) $(BENCH_ARGS)
	$(BIN)/python benchmarks/load.py --shared $(SHARED) --broker $(BENCH_ARGS)

# a re-render through the real service, PUT edits to done: without and with the preview, local and remote worker
.PHONY: bench-rerender
bench-rerender: $(STAMP)
	$(BIN)/python benchmarks/rerender.py --shared $(SHARED) $(BENCH_ARGS)
	$(BIN)/python benchmarks/rerender.py --shared $(SHARED) --remote $(BENCH_ARGS)

# every clip's beds per shot, its score, its mastered loudness by two meters, and a re-render's cost on one core
.PHONY: bench-soundtrack
bench-soundtrack: $(STAMP)
	taskset -c 0 $(BIN)/python benchmarks/soundtrack.py --shared $(SHARED) $(BENCH_ARGS)

bench-sounds: $(STAMP)
	$(BIN)/python benchmarks/sound_speed.py
	$(BIN)/python benchmarks/sound_distinctness.py
	$(BIN)/python benchmarks/sound_realism.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# one long job (a real clip looped to 2 min) through the service on Celery: one worker unshared, then shared in
# chunks by 1 and 2 workers; wall time to done and whether the events are the same (BENCH_ARGS='--runs one,2')
.PHONY: bench-chunks
bench-chunks: $(STAMP) | /usr/bin/redis-server
	$(BIN)/python benchmarks/chunks.py --shared $(SHARED) $(BENCH_ARGS)

# the contact detector's F1 when the landmarks move by a fraction of a pixel (cached poses; seconds)
.PHONY: bench-jitter
bench-jitter: $(STAMP)
	$(BIN)/python benchmarks/jitter.py --shared $(SHARED) $(BENCH_ARGS)

# what each event layer finds on every clip: contacts, specifics by kind and per 10 s, the moves' audible share
.PHONY: bench-layers
bench-layers: $(STAMP)
	$(BIN)/python benchmarks/layers.py --shared $(SHARED) $(BENCH_ARGS)
