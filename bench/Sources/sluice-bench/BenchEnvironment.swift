import CSluiceBPF
import Foundation
import Glibc
import TestSupport

/// The binaries and tools a run needs, found before anything is set up, so a missing
/// package fails the run at once with the fix rather than half-way through.
struct BenchEnvironment: Sendable {
    let loadgen: String
    let sluiced: String
    let sluicectl: String
    let bpfDirectory: String

    static let podObject = "tc_pod.bpf.o"
    static let socketLBObject = "sock_lb.bpf.o"
    static let nodePortObject = "tc_node.bpf.o"

    /// Commands run inside namespaces, with the Debian package that brings each.
    static let tools: [(command: String, package: String)] = [
        ("ip", "iproute2"), ("nsenter", "util-linux"), ("taskset", "util-linux"), ("nice", "coreutils"),
        ("sysctl", "procps"),
        ("iptables-nft-restore", "iptables"), ("iptables-legacy-restore", "iptables"), ("nft", "nftables"),
    ]

    /// Where policy directories and rule files go: /dev/shm when it is a tmpfs. Creating
    /// 10,000 small files on this VM's ext4 takes 5-11 s by itself, which would time the
    /// disk rather than the agent; the rule files iptables and nft read are small either way.
    static let scratchDirectory: String = {
        var stats = statfs()
        return statfs("/dev/shm", &stats) == 0 && Int(stats.f_type) == Int(TMPFS_MAGIC) ? "/dev/shm/" : NSTemporaryDirectory()
    }()

    static func check() throws -> BenchEnvironment {
        for (command, package) in tools where !isExecutableOnPath(command) {
            throw BenchError.missing(what: command, hint: "install the Debian package \(package) (`make deps` does)")
        }
        let environment = BenchEnvironment(
            loadgen: try binary("sluice-loadgen"),
            sluiced: try binary("sluiced"),
            sluicectl: try binary("sluicectl"),
            bpfDirectory: TestPaths.bpfObjectDirectory)
        let podObject = environment.bpfDirectory + "/" + podObject
        guard access(podObject, R_OK) == 0 else {
            throw BenchError.missing(what: podObject, hint: "run `make bpf`, or set SLUICE_BPF_DIR")
        }
        _ = try binary("sluice-probe")
        return environment
    }

    /// The socket load balancer's object, when this build has one.
    var socketLBObject: String? {
        let path = bpfDirectory + "/" + Self.socketLBObject
        return access(path, R_OK) == 0 ? path : nil
    }

    /// The per-packet service path's object (NodePort DNAT), when this build has one.
    var nodePortObject: String? {
        let path = bpfDirectory + "/" + Self.nodePortObject
        return access(path, R_OK) == 0 ? path : nil
    }

    private static func binary(_ name: String) throws -> String {
        do {
            return try TestPaths.binary(name)
        } catch {
            throw BenchError.missing(what: name, hint: "\(error)")
        }
    }

    private static func isExecutableOnPath(_ name: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories.contains { access("\($0)/\(name)", X_OK) == 0 }
    }
}
