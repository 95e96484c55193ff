#!/usr/bin/env bash
# Sluice demo: a node namespace with three pods (frontend, backend, other) wired
# as a CNI plugin would, and sluiced enforcing the manifests in EXAMPLES_DIR on
# them. Runs until Ctrl-C; everything it made is removed on exit.
#
# Usage (as root; `make run` passes the arguments): run-demo.sh BIN_DIR BPF_DIR EXAMPLES_DIR
set -euo pipefail

die() {
	echo "run-demo.sh: $*" >&2
	exit 1
}

[[ $# -eq 3 ]] || { echo "usage: $0 BIN_DIR BPF_DIR EXAMPLES_DIR" >&2; exit 64; }
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, BPF)"
BIN_DIR=$(realpath "$1")
BPF_DIR=$(realpath "$2")
EXAMPLES_DIR=$(realpath "$3")
for binary in sluiced sluice-probe; do
	[[ -x $BIN_DIR/$binary ]] || die "$BIN_DIR/$binary missing: run 'make build' first"
done
compgen -G "$BPF_DIR/*.bpf.o" >/dev/null || die "no BPF objects in $BPF_DIR: run 'make bpf' first"

readonly NODE_NS=sluice-demo-node
readonly NODE_NAME=demo-node
readonly PIN_DIR=/sys/fs/bpf/sluice-demo
readonly METRICS_ADDRESS=127.0.0.1:9966
readonly PODS=(frontend backend other)
declare -rA POD_IPV4=([frontend]=10.244.1.10 [backend]=10.244.1.20 [other]=10.244.1.30)
declare -rA POD_IPV6=([frontend]=fd00:244:1::10 [backend]=fd00:244:1::20 [other]=fd00:244:1::30)
# Pods have /32 and /128 addresses and a link-local gateway on their host veth;
# the node routes between them. The node's own addresses sit on its loopback.
readonly GATEWAY_IPV4=169.254.1.1 GATEWAY_IPV6=fe80::1
readonly NODE_IPV4=10.244.1.1 NODE_IPV6=fd00:244:1::1

pod_ns() { echo "sluice-demo-$1"; }
# nsenter, not `ip netns exec`: the latter remounts /sys and hides bpffs and cgroup2.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

cgroup2_mount() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
		/proc/self/mountinfo
}

children=()
work_dir=""
cgroup=""

delete_namespaces() {
	local ns
	for ns in "$(pod_ns frontend)" "$(pod_ns backend)" "$(pod_ns other)" "$NODE_NS"; do
		if [[ -e /run/netns/$ns ]]; then
			ip netns delete "$ns" || echo "warning: could not delete namespace $ns" >&2
		fi
	done
}

stop_children() {
	local pid tries
	for pid in "${children[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${children[@]}"; do
		for ((tries = 0; tries < 50; tries++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	children=()
}

remove_cgroup() {
	[[ -n $cgroup && -d $cgroup ]] || return 0
	local pid tries
	for ((tries = 0; tries < 20; tries++)); do
		while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$cgroup/cgroup.procs"
		rmdir "$cgroup" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "warning: could not remove cgroup $cgroup" >&2
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	set +e
	echo
	echo "cleaning up..."
	stop_children
	if [[ -e /run/netns/$NODE_NS ]]; then
		if [[ -x $BIN_DIR/sluicectl ]]; then
			in_ns "$NODE_NS" "$BIN_DIR/sluicectl" teardown --pin-dir "$PIN_DIR" ||
				echo "warning: sluicectl teardown failed" >&2
		fi
	fi
	# Whatever teardown left (or all of it, when sluicectl is not built yet).
	[[ -d $PIN_DIR ]] && rm -rf "$PIN_DIR"
	delete_namespaces
	remove_cgroup
	[[ -n $work_dir ]] && rm -rf "$work_dir"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

make_node() {
	ip netns add "$NODE_NS"
	in_ns "$NODE_NS" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$NODE_NS" link set lo up
	ip -n "$NODE_NS" address add "$NODE_IPV4/32" dev lo
	ip -n "$NODE_NS" address add "$NODE_IPV6/128" dev lo
}

# The pod end of the veth is created directly in the pod's namespace, so
# nothing ever appears in the root namespace.
make_pod() {
	local pod=$1 ns host=demo-$1 ipv4=${POD_IPV4[$1]} ipv6=${POD_IPV6[$1]}
	ns=$(pod_ns "$pod")
	ip netns add "$ns"
	in_ns "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$NODE_NS" link add "$host" type veth peer name eth0 netns "$ns"
	ip -n "$NODE_NS" link set "$host" up
	ip -n "$NODE_NS" address add "$GATEWAY_IPV4/32" dev "$host"
	ip -n "$NODE_NS" address add "$GATEWAY_IPV6/64" dev "$host" nodad
	ip -n "$NODE_NS" route add "$ipv4/32" dev "$host" src "$NODE_IPV4"
	ip -n "$NODE_NS" route add "$ipv6/128" dev "$host" src "$NODE_IPV6"
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" address add "$ipv4/32" dev eth0
	ip -n "$ns" address add "$ipv6/128" dev eth0 nodad
	ip -n "$ns" route add "$GATEWAY_IPV4/32" dev eth0 scope link
	ip -n "$ns" route add default via "$GATEWAY_IPV4" dev eth0
	ip -n "$ns" -6 route add default via "$GATEWAY_IPV6" dev eth0
}

start_backend() {
	# nsenter itself, not in_ns: a backgrounded function is a subshell, and $! its pid.
	nsenter --net="/run/netns/$(pod_ns backend)" "$BIN_DIR/sluice-probe" serve --tcp 8080,9090 --name backend \
		>"$work_dir/backend.log" 2>&1 &
	children+=($!)
	local tries
	for ((tries = 0; tries < 50; tries++)); do
		grep -qx ready "$work_dir/backend.log" && return 0
		sleep 0.1
	done
	die "backend server did not start: $(cat "$work_dir/backend.log")"
}

print_instructions() {
	local probe=$BIN_DIR/sluice-probe backend=${POD_IPV4[backend]} metrics
	if command -v curl >/dev/null; then
		metrics="nsenter --net=/run/netns/$NODE_NS curl -s $METRICS_ADDRESS/metrics | grep sluice_"
	else
		metrics="nsenter --net=/run/netns/$NODE_NS $probe http-get http://$METRICS_ADDRESS/metrics | grep sluice_"
	fi
	cat <<-INSTRUCTIONS

		Sluice demo: node $NODE_NAME (namespace $NODE_NS), pods frontend ${POD_IPV4[frontend]},
		backend $backend (serving TCP 8080 and 9090), other ${POD_IPV4[other]}; manifests in $EXAMPLES_DIR.
		In another terminal, as root:

		  # allowed: frontend -> backend:8080 (answers "backend hello")
		  nsenter --net=/run/netns/$(pod_ns frontend) $probe tcp $backend 8080

		  # denied: other -> backend:8080 (exit status 2: dropped, times out)
		  nsenter --net=/run/netns/$(pod_ns other) $probe tcp $backend 8080

		  # denied: frontend -> backend:9090, a port the policy does not open
		  nsenter --net=/run/netns/$(pod_ns frontend) $probe tcp $backend 9090

		  # the same over IPv6
		  nsenter --net=/run/netns/$(pod_ns frontend) $probe tcp ${POD_IPV6[backend]} 8080

		  # metrics
		  $metrics

		Edit the manifests in $EXAMPLES_DIR while it runs; Ctrl-C stops the demo and removes everything.

	INSTRUCTIONS
}

if [[ -e /run/netns/$NODE_NS ]]; then
	echo "removing the namespaces of an earlier demo run"
	delete_namespaces
fi
work_dir=$(mktemp -d /tmp/sluice-demo.XXXXXX)
cgroup_root=$(cgroup2_mount)
[[ -n $cgroup_root ]] || die "no cgroup2 mount in /proc/self/mountinfo"
# A cgroup of the demo's own, so sluiced's socket hooks never land on the host's root cgroup.
cgroup=$cgroup_root/sluice-demo
mkdir -p "$cgroup"

make_node
for pod in "${PODS[@]}"; do
	make_pod "$pod"
done
start_backend
print_instructions

nsenter --net="/run/netns/$NODE_NS" "$BIN_DIR/sluiced" --node-name "$NODE_NAME" --policy-dir "$EXAMPLES_DIR" \
	--bpf-object-dir "$BPF_DIR" --pin-dir "$PIN_DIR" --metrics-address "$METRICS_ADDRESS" \
	--cgroup-path "$cgroup" --cni-socket "" --state-dir "$work_dir" &
sluiced_pid=$!
children+=("$sluiced_pid")
# wait (not a foreground run) so that INT/TERM reach the trap at once.
status=0
wait "$sluiced_pid" || status=$?
exit "$status"
