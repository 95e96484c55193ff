import BPF
import CSluiceBPF

/// Closes the connected UDP sockets that the socket balancer translated to a backend which
/// has since left the service: such a socket keeps the backend's address, so it would go on
/// sending to a backend that is gone (sock_reap.bpf.o; abi.h has the details).
final class UDPSocketReaper {
    static let objectName = "sock_reap.bpf.o"

    private let object: BPFObject
    private let departed: BPFMap<sluice_reap_key, UInt8>
    private let iterator: BPFIterator
    private let cgroupPath: String

    init(configuration: AgentConfiguration) throws(BPFError) {
        object = try BPFObject(path: configuration.bpfObjectDirectory + "/" + Self.objectName,
                               pinDirectory: configuration.pinDirectory, capacities: configuration.mapCapacities)
        departed = try object.map(SLUICE_MAP_REAP)
        iterator = try BPFIterator(try object.program(SLUICE_PROG_REAP_UDP))
        cgroupPath = configuration.cgroupPath
    }

    struct Outcome {
        var closed = 0
        /// Namespaces that could not be walked (entering one, or iterating it, failed).
        var failures: [String] = []
    }

    /// Closes, in every network namespace of the cgroup's processes, the sockets translated
    /// to each key's backend for the service the key names.
    func close(_ backends: [sluice_reap_key]) throws(BPFError) -> Outcome {
        var outcome = Outcome()
        guard !backends.isEmpty else { return outcome }
        let namespaces = ClientNamespaces.of(cgroupPath: cgroupPath)
        var rest = backends[...]
        while !rest.isEmpty {
            let batch = rest.prefix(Int(SLUICE_REAP_MAX))
            rest = rest.dropFirst(batch.count)
            defer { for key in batch { _ = try? departed.delete(key) } }
            try departed.update(batch.map { ($0, 1) })
            for namespace in namespaces {
                do {
                    outcome.closed += try iterator.run(inNetworkNamespace: namespace.file.rawValue)
                } catch {
                    outcome.failures.append("network namespace of pid \(namespace.pid): \(error)")
                }
            }
        }
        return outcome
    }
}
