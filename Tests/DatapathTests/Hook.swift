import CSluiceBPF

/// The two programs of tc_pod.bpf.o and the direction each enforces.
enum Hook: Sendable, CustomStringConvertible {
    /// tc ingress of the host veth: packets the pod sends.
    case fromPod
    /// tc egress of the host veth: packets the pod receives.
    case toPod

    var programName: String { self == .fromPod ? SLUICE_PROG_FROM_POD : SLUICE_PROG_TO_POD }

    var direction: sluice_direction { self == .fromPod ? SLUICE_DIR_EGRESS : SLUICE_DIR_INGRESS }

    var description: String { programName }
}

/// tc return codes (linux/pkt_cls.h).
enum TCAction {
    static let ok: UInt32 = 0
    static let shot: UInt32 = 2
}
