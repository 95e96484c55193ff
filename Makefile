# Sluice: build the BPF objects and the Swift binaries, test, run the demo.
SHELL := /bin/bash
PREFIX ?= /usr/local
BPF_INSTALL_DIR ?= /usr/lib/sluice/bpf
CNI_BIN_DIR ?= /opt/cni/bin
CNI_CONF_DIR ?= /etc/cni/net.d
CONFIGURATION ?= debug
SWIFT ?= swift
# The Swift toolchain's clang targets BPF; Debian 12's own clang-14 works too.
CLANG ?= $(shell command -v clang || echo clang)
ARCH_INCLUDE := /usr/include/$(shell uname -m)-linux-gnu

BPF_SRC := $(wildcard bpf/*.bpf.c)
BPF_HDR := $(wildcard bpf/include/sluice/*.h bpf/lib/*.h)
BPF_OUT := bpf/build
BPF_OBJ := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.bpf.o,$(BPF_SRC))
# Fixtures for the tests of the Swift BPF layer; never installed.
BPF_TEST_OBJ := $(patsubst bpf/test/%.bpf.c,$(BPF_OUT)/test/%.bpf.o,$(wildcard bpf/test/*.bpf.c))
BPF_CFLAGS := -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
	-I bpf/include -I bpf/lib -I $(ARCH_INCLUDE)

DEBIAN_PACKAGES := libbpf-dev libelf-dev zlib1g-dev linux-libc-dev pkg-config \
	iproute2 util-linux procps prometheus iptables nftables

BIN_DIR = $(shell $(SWIFT) build -c $(CONFIGURATION) --show-bin-path)
# The benchmark measures release builds, whatever CONFIGURATION says.
RELEASE_BIN_DIR = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: all deps bpf build test bench run install clean

all: build

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

bpf: $(BPF_OBJ) $(BPF_TEST_OBJ)

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

build: deps bpf
	$(SWIFT) build -c $(CONFIGURATION)

test: build
	SLUICE_BPF_DIR=$(CURDIR)/$(BPF_OUT) SLUICE_BIN_DIR=$(BIN_DIR) \
		$(SWIFT) test -c $(CONFIGURATION)
	SLUICE_BPF_DIR=$(CURDIR)/$(BPF_OUT) SLUICE_BIN_DIR=$(BIN_DIR) \
		$(BIN_DIR)/sluice-bench --smoke --output-directory $(CURDIR)/.build/bench-smoke

# Root; about 15 minutes, BENCH_QUICK=1 about 2. Writes bench/results/<date>-<host>.md and .json.
bench: deps bpf
	$(SWIFT) build -c release
	SLUICE_BPF_DIR=$(CURDIR)/$(BPF_OUT) SLUICE_BIN_DIR=$(RELEASE_BIN_DIR) \
		$(RELEASE_BIN_DIR)/sluice-bench --output-directory $(CURDIR)/bench/results \
		$(if $(filter-out 0,$(BENCH_QUICK)),--quick)
	@echo "planner at scale (5,000 pods, 1,000 policies):"
	$(RELEASE_BIN_DIR)/sluice-plan-bench 5000 1000 5 | tee bench/results/planner-$$(date +%F)-$$(hostname).json

run: build
	deploy/demo/run-demo.sh $(BIN_DIR) $(CURDIR)/$(BPF_OUT) $(CURDIR)/deploy/examples

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(BPF_INSTALL_DIR) $(DESTDIR)/etc/systemd/system
	install -m 0755 $(BIN_DIR)/sluiced $(BIN_DIR)/sluicectl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BPF_OBJ) $(DESTDIR)$(BPF_INSTALL_DIR)/
	install -m 0644 deploy/systemd/sluiced.service $(DESTDIR)/etc/systemd/system/
	install -d $(DESTDIR)$(CNI_BIN_DIR) $(DESTDIR)$(CNI_CONF_DIR)
	install -m 0755 $(BIN_DIR)/sluice-cni $(DESTDIR)$(CNI_BIN_DIR)/
	test -e $(DESTDIR)$(CNI_CONF_DIR)/10-sluice.conflist || \
		install -m 0644 deploy/cni/10-sluice.conflist $(DESTDIR)$(CNI_CONF_DIR)/

clean:
	rm -rf $(BPF_OUT) .build
