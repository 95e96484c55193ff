import CSluiceBPF

/// Conntrack timeouts and upkeep, as the operator sets them.
public struct ConntrackSettings: Sendable, Equatable {
    public var tcpSyn: Duration = .seconds(60)
    public var tcpEstablished: Duration = .seconds(6 * 3600)
    public var tcpClosing: Duration = .seconds(10)
    public var other: Duration = .seconds(60)
    /// How often expired entries are deleted.
    public var collectionInterval: Duration = .seconds(15)
    /// Keep flows a policy change now denies (otherwise they are cut).
    public var keepEstablished = false

    public init() {}

    /// The datapath's view: nanoseconds, as `bpf_ktime_get_ns()` counts.
    var datapathConfig: sluice_config {
        sluice_config(ct_tcp_syn_ns: tcpSyn.nanoseconds, ct_tcp_established_ns: tcpEstablished.nanoseconds,
                      ct_tcp_closing_ns: tcpClosing.nanoseconds, ct_other_ns: other.nanoseconds)
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000
    }
}
