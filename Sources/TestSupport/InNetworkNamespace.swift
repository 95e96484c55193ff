/// Something that lives in a network namespace (the node, a pod) and can run commands there.
public protocol InNetworkNamespace: Sendable {
    var netns: NetworkNamespace { get }
    /// What `serve` answers with before the payload.
    var probeName: String { get }
}

extension NetworkNamespace: InNetworkNamespace {
    public var netns: NetworkNamespace { self }
    public var probeName: String { name }
}

extension InNetworkNamespace {
    /// `argv` prefixed to run inside this namespace, and inside `cgroup` when given.
    public func command(_ argv: [String], cgroup: TestCgroup? = nil) -> [String] {
        ["nsenter", "--net=\(netns.path)"] + (cgroup.map { $0.command(argv) } ?? argv)
    }

    /// Runs `argv` inside this namespace to completion.
    public func run(
        _ argv: [String], cgroup: TestCgroup? = nil, timeout: Duration = .seconds(10)
    ) throws(TestSupportError) -> ProcessResult {
        try TestSupport.run(command(argv, cgroup: cgroup), timeout: timeout)
    }

    /// Starts `argv` inside this namespace in the background; the topology's teardown stops it.
    public func spawn(_ argv: [String], cgroup: TestCgroup? = nil) throws(TestSupportError) -> ManagedProcess {
        let process = try ManagedProcess(command(argv, cgroup: cgroup))
        netns.processes.add(process, in: netns.name)
        return process
    }
}
