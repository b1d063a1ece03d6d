# Entry points: `make run` (set up, build, run the quick-start), `make test` (every test), `make bench`,
# `make docs` (regenerate the README's pictures and quoted figures), `make swarm` (thousands of
# random scenarios, each judged against its design's promises).
BUILD      ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
JOBS       ?= $(shell nproc)
PACKAGES   := libsimgrid-dev libglib2.0-dev libjson-glib-dev libcmocka-dev libsqlite3-dev sqlite3 cmake pkg-config gcc g++ make gnuplot-nox valgrind time jq bc redis-server redis-tools parallel
QUICKSTART ?= scenarios/quickstart-pb-blocking.xml
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

SWARM_RUNS ?= 2000
SWARM_SEED ?= 1

.PHONY: all deps build asan release run test bench docs swarm clean

all: build

# Installs only what is missing, so a machine that has everything is not touched.
deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRS_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# What a packager builds (-O3, NDEBUG): it must compile warning-free and pass the unit tests.
release: deps
	cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(RELEASE_BUILD) -j $(JOBS)

run: build
	./$(BUILD)/replsim run $(QUICKSTART)

test: build asan release
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)
	ctest --test-dir $(RELEASE_BUILD) --output-on-failure -j $(JOBS) -R '^(unit|smoke)/|script/test_bad_input'

# Every tenth run is replayed byte for byte; failures land in out/swarm/failures/, shrunk.
swarm: build
	./$(BUILD)/replsim swarm --runs $(SWARM_RUNS) --seed $(SWARM_SEED) --jobs $(JOBS) --replay-every 10 --out out/swarm

bench: build
	bash bench/run.sh $(BUILD)

# The README's generated blocks and docs/img/ (chromium takes the viewer's screenshot).
docs: build
	@$(MAKE) --no-print-directory deps PACKAGES="$(PACKAGES) chromium"
	bash docs/make-docs.sh $(BUILD)/replsim

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD) out
