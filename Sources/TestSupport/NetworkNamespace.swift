/// A named network namespace (`/run/netns/NAME`) that a topology created.
/// Commands enter it with `nsenter --net=`, not `ip netns exec`, which would
/// remount /sys and hide /sys/fs/bpf and the cgroup2 mount.
public struct NetworkNamespace: Sendable, CustomStringConvertible {
    public let name: String
    let processes: ProcessRegistry

    public var path: String { "/run/netns/\(name)" }
    public var description: String { name }

    /// Creates the namespace; false when the name is taken.
    static func create(named name: String, processes: ProcessRegistry) throws(TestSupportError) -> NetworkNamespace? {
        let result = try TestSupport.run(["ip", "netns", "add", name])
        guard result.succeeded else {
            if result.stderr.contains("File exists") { return nil }
            try result.checked()
            return nil
        }
        return NetworkNamespace(name: name, processes: processes)
    }

    /// Stops the processes started in it and deletes its name; the kernel frees
    /// the namespace, and the veth ends inside it, once nothing holds it.
    func delete() throws(TestSupportError) {
        processes.stop(in: name)
        try TestSupport.run(["ip", "netns", "delete", name]).checked()
    }

    /// Sets sysctls of this namespace (e.g. `net.ipv4.ip_forward=1`).
    func setSysctls(_ assignments: [String]) throws(TestSupportError) {
        try TestSupport.run(["nsenter", "--net=\(path)", "sysctl", "-q", "-w"] + assignments).checked()
    }

    /// Runs `ip -batch` with `commands` inside this namespace.
    func ipBatch(_ commands: [String]) throws(TestSupportError) {
        let directory = try makeTemporaryDirectory(prefix: "sluice-ip")
        defer { removeRecursively(directory) }
        let file = "\(directory)/batch"
        try writeFile(file, contents: commands.joined(separator: "\n") + "\n")
        try TestSupport.run(["ip", "-n", name, "-batch", file]).checked()
    }

    /// The index of interface `interface` inside this namespace.
    public func interfaceIndex(_ interface: String) throws(TestSupportError) -> Int32 {
        let result = try TestSupport.run(["ip", "-n", name, "-o", "link", "show", "dev", interface]).checked()
        // "7: name@if2: <...": the index comes before the first colon.
        guard let index = result.stdout.split(separator: ":").first.flatMap({ Int32($0) }) else {
            throw .commandFailed(argv: result.argv, status: result.status, stderr: "unparsable: \(result.stdout)")
        }
        return index
    }
}
