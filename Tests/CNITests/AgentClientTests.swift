import CNI
import Foundation
import Glibc
import Testing

/// The plugin never waits on the agent past its timeout, even when the agent is alive but
/// accepts no connection (stopped, or stuck): a Unix socket's connect() would wait forever.
struct AgentClientTests {
    @Test func aListenerThatAcceptsNothingCostsTheTimeoutAndNoMore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/agent.sock"
        let listener = try Self.listen(at: path)
        defer { close(listener) }
        // Backlog 0 holds one connection; the next finds the queue full.
        var queued: [Int32] = []
        defer { queued.forEach { close($0) } }
        while queued.count < 8 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            try #require(fd >= 0)
            guard Self.connect(fd, to: path) == 0 else {
                close(fd)
                break
            }
            queued.append(fd)
        }
        try #require(!queued.isEmpty && queued.count < 8, "the queue never filled")

        let client = AgentClient(socketPath: path, timeout: .milliseconds(300))
        let start = ContinuousClock.now
        #expect(throws: AgentClient.Failure.self) {
            _ = try client.send(AgentRequest(operation: .status))
        }
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(250) && waited < .seconds(3), "waited \(waited)")
    }

    static func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = Self.address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0 && Glibc.listen(fd, 0) == 0)
        return fd
    }

    static func connect(_ fd: Int32, to path: String) -> Int32 {
        var address = Self.address(path)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        return address
    }
}
