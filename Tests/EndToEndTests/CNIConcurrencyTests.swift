import Foundation
import Glibc
import Testing
import TestSupport

/// Many runtimes' calls at once, and calls that die halfway.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct CNIConcurrencyTests {
    /// Starts the plugin in the background, as a runtime with many pods does.
    private func spawn(_ bed: CNITestbed, _ variables: [String: String], configuration: String) throws -> ManagedProcess {
        let file = bed.root + "/config-\(UUID().uuidString.prefix(8)).json"
        try configuration.write(toFile: file, atomically: true, encoding: .utf8)
        return try ManagedProcess(try CNIPluginRun.command(in: bed.node, variables: variables, configurationFile: file))
    }

    private func addresses(_ stdout: String) -> [String] {
        CNIPluginRun(status: 0, stdout: stdout, stderr: "").addresses
    }

    @Test func fiftyParallelAddsGetFiftyAddressesAndParallelDeletesReleaseThemAll() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        try bed.startAgent()
        let pods = try (0..<50).map { _ in try bed.makePod() }
        let configuration = bed.configuration()

        let started = ContinuousClock.now
        let adds = try pods.enumerated().map { index, pod in
            try spawn(bed, bed.variables("ADD", container: "ctr-\(index)", pod: pod), configuration: configuration)
        }
        let statuses = adds.map { $0.waitForExit(timeout: .seconds(60)) }
        let addTime = ContinuousClock.now - started
        for (index, add) in adds.enumerated() where statuses[index] != 0 {
            Issue.record("ADD \(index) exited \(String(describing: statuses[index])): \(add.stdout) \(add.stderr)")
        }
        let assigned = adds.map { addresses($0.stdout) }
        #expect(assigned.allSatisfy { $0.count == 2 })
        #expect(Set(assigned.compactMap(\.first)).count == 50)
        #expect(Set(assigned.compactMap(\.last)).count == 50)
        #expect(bed.reservations.count == 100)
        #expect(try bed.hostLinks().count == 50)
        #expect(bed.registrations.count == 50)
        #expect(try bed.metric("sluice_endpoints") == 50)

        let deleting = ContinuousClock.now
        let deletes = try pods.enumerated().map { index, pod in
            try spawn(bed, bed.variables("DEL", container: "ctr-\(index)", pod: pod), configuration: configuration)
        }
        #expect(deletes.map { $0.waitForExit(timeout: .seconds(60)) }.allSatisfy { $0 == 0 })
        let deleteTime = ContinuousClock.now - deleting
        #expect(bed.reservations.isEmpty)
        #expect(try bed.hostLinks().isEmpty)
        #expect(bed.registrations.isEmpty)
        #expect(try bed.metric("sluice_endpoints") == 0)
        print("CNI: 50 parallel ADDs took \(addTime), 50 parallel DELs took \(deleteTime)")
    }

    @Test func anAddKilledWhileWaitingForTheAgentLeavesNothingThatDeleteCannotClean() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let pod = try bed.makePod()
        // An agent that accepts and never answers: ADD stops after the veth and the reservation.
        let stalled = try StalledSocket(path: bed.root + "/stalled.sock")
        defer { stalled.close() }
        let add = try spawn(bed, bed.variables("ADD", container: "killed", pod: pod),
                            configuration: bed.configuration().replacingOccurrences(of: bed.socketPath, with: stalled.path))
        #expect(try eventually(timeout: .seconds(10)) { try bed.hostLinks().count == 1 && bed.reservations.count == 2 })
        add.signal(SIGKILL)
        #expect(add.waitForExit(timeout: .seconds(5)) == 128 + SIGKILL)
        #expect(try pod.links().contains("eth0"))

        let delete = try bed.plugin("DEL", container: "killed", pod: pod)
        #expect(delete.status == 0, "\(delete)")
        #expect(try bed.hostLinks().isEmpty)
        #expect(try pod.links() == ["lo"])
        #expect(bed.reservations.isEmpty)
        #expect(bed.pendingDeletes.count == 1, "the agent is down, so its part waits in the queue")
    }

    @Test func addsKilledAtRandomPointsLeaveNothingThatDeleteCannotClean() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        try bed.startAgent()
        let pods = try (0..<8).map { _ in try bed.makePod() }
        for (index, pod) in pods.enumerated() {
            let add = try spawn(bed, bed.variables("ADD", container: "ctr-\(index)", pod: pod), configuration: bed.configuration())
            usleep(UInt32(index * 7_000 + Int.random(in: 0..<3_000)))
            add.signal(SIGKILL)
            _ = add.waitForExit(timeout: .seconds(5))
        }
        for (index, pod) in pods.enumerated() {
            let delete = try bed.plugin("DEL", container: "ctr-\(index)", pod: pod)
            #expect(delete.status == 0, "\(delete)")
        }
        #expect(try bed.hostLinks().isEmpty)
        #expect(bed.reservations.isEmpty)
        #expect(bed.registrations.isEmpty)
        #expect(bed.pendingDeletes.isEmpty)
        #expect(try pods.allSatisfy { try $0.links() == ["lo"] })
        #expect(try eventually { try bed.metric("sluice_endpoints") == 0 })
    }
}

/// A Unix socket that accepts connections (the kernel queues them) and never answers.
final class StalledSocket {
    let path: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else {
            throw TestSupportError.system(call: "bind/listen", path: path, errno: errno)
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        unlink(path)
    }
}
