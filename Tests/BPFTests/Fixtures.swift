import BPF
import CSluiceBPF
import TestSupport
import Testing

/// The datapath object and the test fixtures `make bpf` builds.
enum Objects {
    static var datapath: String { TestPaths.bpfObjectDirectory + "/tc_pod.bpf.o" }
    static var cgroupConnectCount: String { TestPaths.bpfObjectDirectory + "/test/cgroup_connect_count.bpf.o" }
    static var verifierReject: String { TestPaths.bpfObjectDirectory + "/test/verifier_reject.bpf.o" }
}

/// Loads the datapath with a pin directory of its own; both go away with the returned values.
func loadDatapath(capacities: [String: UInt32] = [:]) throws -> (BPFObject, BPFPinDirectory) {
    let pins = try BPFPinDirectory.make()
    let object = try BPFObject(path: Objects.datapath, pinDirectory: pins.path, capacities: capacities)
    return (object, pins)
}

func endpointKey(_ ifindex: UInt32) -> sluice_endpoint_key { sluice_endpoint_key(ifindex: ifindex) }
