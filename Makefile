# The two commands of the README:
#   make demo   set up, build pretraining data from the demo corpus, show the result
#   make test   set up with the test dependencies, run the whole test suite (.ci/run calls this)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
DEMO_OUT ?= demo_output

.PHONY: demo test setup setup-test clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

setup: $(PY)
	$(PIP) install --quiet -e .

# torch first and pinned (a CPU wheel on our package index): left to the ltp extra, pip would
# pull a torch with GBs of CUDA libraries.
setup-test: $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ".[test,tf,ltp,mds]" torch==2.13.0

demo: setup
	$(PY) -m beam_jobs.build_pretraining_data --input 'examples/demo_corpus/*' \
		--output_dir $(DEMO_OUT) --overwrite --dupe_factor 2 --num_shards 4 --vocab_size 3000
	$(PY) -m beam_jobs.inspect $(DEMO_OUT) --examples 2

# Two processes, each test module in one of them (the Flink module keeps its cluster): about 9.5
# minutes on 2 cores, 14 in one process.
test: setup-test engines
	$(PY) -m pytest -q -n 2 --dist loadfile tests

clean:
	rm -rf $(VENV) $(DEMO_OUT) *.egg-info

# The engines of the Flink and Prism tests, fetched once and kept outside the checkout
# (~/.cache/zh-wwm-data/engines, ~/.m2, Go's caches; docs/deploy.md): Flink from PyPI and Beam's
# Flink job server from Maven Central where Java and Maven are installed, Prism built through the
# Go module proxy where Go is.
.PHONY: engines
engines: $(PY)
	@if command -v java >/dev/null && command -v mvn >/dev/null; then \
		PYTHON=$(PY) deploy/flink/local_cluster.sh fetch; \
	else echo "engines: no Java or Maven here, Flink not fetched"; fi
	@if command -v go >/dev/null; then deploy/prism/prism.sh >/dev/null; \
	else echo "engines: no Go here, Prism not built"; fi
