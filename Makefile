# Vantage: the README's two set-up commands are `make demo` and `make test`.
# Both install what they need on a fresh Debian 12 machine (run as root).

SWIFT        ?= swift
CONFIG       ?= release
BIN          := .build/$(CONFIG)/vantage
DEBUG_BIN    := .build/debug/vantage
FUZZ_SECONDS ?= 60
DEMO_CAPTURES := client=Examples/keepalived-failover.pcap gw2=Examples/keepalived-failover-gw2-any.pcap

# Debian packages: libpcap for BPF filters, real peers and capture tools for the tests.
APT_PACKAGES := libpcap-dev tcpdump tshark iproute2 iputils-ping arping nftables keepalived ucarp arpwatch time \
                python3 clang libclang-rt-14-dev

.PHONY: all deps build demo test unit-tests scenarios fuzz fuzz-smoke bench examples compare clean

all: build

# Installs missing packages without starting their daemons in this machine's namespace.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; \
	  trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG) --product vantage

demo: build
	@Examples/analyze-all.sh $(CURDIR)/$(BIN)
	@echo
	@echo "== vantage decode -c 12 -f 'vrrp or arp' $(DEMO_CAPTURES)"
	@$(BIN) decode -c 12 -f 'vrrp or arp' $(DEMO_CAPTURES)

unit-tests: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Real traffic in network namespaces (root): every Scenarios/*-*.sh, judged against the debug
# binary that unit-tests just built (a release build would cost minutes more in CI).
scenarios: deps
	$(SWIFT) build --product vantage
	VANTAGE=$(CURDIR)/$(DEBUG_BIN) Scenarios/run-all.sh

test: unit-tests scenarios fuzz-smoke

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

fuzz-smoke: deps
	FUZZ_SECONDS=10 Fuzz/run.sh

bench: deps
	Benchmarks/bench.sh

# Examples/: the keepalived capture the tests use (record.sh), and the incident scenarios'
# captures (a scenario that passes with VT_EXPORT_DIR set copies them and lists them in
# Examples/incidents.tsv).
EXAMPLE_SCENARIOS ?= 000-arp-replies-lost 001-* 002-nlb-host-header 002-nlb-member-conflict 003-* 004-ip-reuse
examples: deps
	$(SWIFT) build --product vantage
	Examples/record.sh
	VT_EXPORT_DIR=$(CURDIR)/Examples VANTAGE=$(CURDIR)/$(DEBUG_BIN) Scenarios/run-all.sh $(EXAMPLE_SCENARIOS)

# docs/comparison.md: arpwatch and tshark next to Vantage on the bundled captures.
compare: build
	Scenarios/compare.py --vantage $(BIN)

clean:
	rm -rf .build Fuzz/bin
