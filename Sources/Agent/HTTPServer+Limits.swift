import NIOCore
import NIOHTTP1
import Synchronization

extension HTTPServer {
    /// What one client may cost the agent. A request is one short GET, so
    /// these bounds never get in a real client's way, and a flood, a huge
    /// request or a client trickling bytes cannot stall the agent or grow it.
    struct Limits: Sendable {
        /// Longer request targets are answered `414 URI Too Long`.
        var maximumURILength = 8 << 10
        /// Request line and headers together; more is answered `400` and closed.
        var maximumHeaderBytes = 32 << 10
        var maximumHeaderFields = 64
        /// Connections open at once; more are closed on accept.
        var maximumConnections = 64
        /// A connection with nothing read or written for this long is closed.
        var idleTimeout = TimeAmount.seconds(10)
        /// A connection is closed this long after it opened, however busy.
        var connectionTimeout = TimeAmount.seconds(30)

        var decoder: NIOHTTPDecoderLimitConfiguration {
            var limits = NIOHTTPDecoderLimitConfiguration()
            // The request line counts as a header field: room for a too-long URI to be answered 414.
            limits.maxHeaderFieldSize = 2 * maximumURILength
            limits.maxHeaderListSize = maximumHeaderBytes
            limits.maxHeaderFieldCount = maximumHeaderFields
            return limits
        }
    }
}

/// Counts open connections against a maximum.
final class ConnectionLimiter: Sendable {
    private let open = Atomic<Int>(0)
    let maximum: Int

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Takes a slot; false when all are taken.
    func acquire() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < maximum {
            let (exchanged, original) = open.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        open.subtract(1, ordering: .acquiringAndReleasing)
    }
}

/// Closes its channel a fixed time after it became active: a client that
/// keeps a connection busy by trickling bytes still cannot hold it.
/// Removing the handler (a streamed answer) lifts the deadline.
final class ConnectionDeadline: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let timeout: TimeAmount
    private let deadline = Mutex<Scheduled<Void>?>(nil)

    init(_ timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let scheduled = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        deadline.withLock { $0 = scheduled }
        channel.closeFuture.whenComplete { _ in scheduled.cancel() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline.withLock { $0?.cancel() }
    }
}
