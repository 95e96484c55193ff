import CNI
import Glibc
import NIOCore
import NIOPosix

/// The agent's end of the CNI socket: a Unix stream socket, mode 0600 (root only, as
/// the plugin runs), one request line and one answer line per connection.
final class CNISocketServer: Sendable {
    typealias Handler = @Sendable (AgentRequest) async -> AgentResponse

    let path: String
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let inode: UInt64

    private init(path: String, channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, inode: UInt64) {
        self.path = path
        self.channel = channel
        self.inode = inode
    }

    /// Binds `path`, replacing a stale socket file; nil when a live agent answers there.
    /// The socket is bound under a temporary name, restricted, then renamed into place, so
    /// it is never reachable with looser permissions.
    static func bind(path: String, group: any EventLoopGroup) async throws(AgentError) -> CNISocketServer? {
        if isServed(path) { return nil }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            do {
                try FileSystem.makeDirectories(String(path[..<slash]))
            } catch {
                throw .system(call: error.call, subject: error.path, errno: error.errno)
            }
        }
        let temporary = path + ".\(getpid()).new"
        let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .bind(unixDomainSocketPath: temporary, cleanupExistingSocketFile: true) { child in
                    child.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                    }
                }
        } catch {
            throw .configuration("binding the CNI socket \(temporary): \(error)")
        }
        var info = stat()
        guard chmod(temporary, 0o600) == 0, rename(temporary, path) == 0, stat(path, &info) == 0 else {
            let code = errno
            unlink(temporary)
            try? await channel.channel.close()
            throw .system(call: "chmod/rename", subject: path, errno: code)
        }
        return CNISocketServer(path: path, channel: channel, inode: UInt64(info.st_ino))
    }

    /// Answers connections until the calling task is cancelled.
    func serve(_ handler: @escaping Handler) async {
        let channel = self.channel
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                do {
                    try await channel.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await Self.answer(connection, handler) }
                        }
                    }
                } catch {
                    // Closed: shutting down.
                }
            }
        } onCancel: {
            channel.channel.close(promise: nil)
        }
    }

    /// Stops listening and removes the socket file if it is still this server's.
    func close() async {
        try? await channel.channel.close()
        var info = stat()
        if stat(path, &info) == 0, UInt64(info.st_ino) == inode { unlink(path) }
    }

    private static func answer(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ handler: Handler) async {
        try? await connection.executeThenClose { inbound, outbound in
            var line: [UInt8] = []
            for try await buffer in inbound {
                line += buffer.readableBytesView
                if let end = line.firstIndex(of: 0x0a) {
                    line = Array(line[..<end])
                    break
                }
                guard line.count < 1 << 20 else { return }
            }
            let response = if let request = AgentRequest(line: line) {
                await handler(request)
            } else {
                AgentResponse(outcome: .failed, message: "unreadable request")
            }
            try await outbound.write(ByteBuffer(bytes: response.line))
        }
    }

    /// True when an agent answers on `path` (another agent on this node owns CNI).
    private static func isServed(_ path: String) -> Bool {
        do {
            _ = try AgentClient(socketPath: path, timeout: .seconds(1)).send(AgentRequest(operation: .status))
            return true
        } catch {
            if case .unreachable = error { return false }
            return true
        }
    }
}
