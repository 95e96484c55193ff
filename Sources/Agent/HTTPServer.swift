import NIOCore
import NIOHTTP1
import NIOPosix

/// A read-only HTTP/1.1 server: GET only, small requests, one answer per
/// connection, bounded in every way a client could stretch (see `Limits`).
/// Routes are synchronous because every answer is built from memory or a few map reads.
final class HTTPServer: Sendable {
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]
        /// Set for a streamed answer (`/v1/flows?follow=true`): called with the
        /// channel once the head is written; it writes body parts until it closes
        /// the channel. The connection's idle and total deadlines no longer apply.
        var stream: (@Sendable (any Channel) -> Void)?

        init(status: HTTPResponseStatus, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        static func text(_ status: HTTPResponseStatus, _ body: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(body.utf8))
        }
    }

    /// Gets the request target: path and query.
    typealias Handler = @Sendable (_ uri: String) -> Response

    private let channel: any Channel

    /// Binds `address`; `::` falls back to `0.0.0.0` where IPv6 is off.
    init(address: ListenAddress, group: any EventLoopGroup, limits: Limits = Limits(),
         handler: @escaping Handler) async throws {
        let connections = ConnectionLimiter(maximum: limits.maximumConnections)
        let decoderLimits = limits.decoder
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard connections.acquire() else {
                    // Over the limit: refused before any parsing, so a flood costs one accept each.
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in connections.release() }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: limits.idleTimeout), name: HTTPServer.idleHandlerName)
                    try sync.addHandler(ConnectionDeadline(limits.connectionTimeout), name: HTTPServer.deadlineHandlerName)
                    try sync.configureHTTPServerPipeline(
                        withErrorHandling: true, withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try sync.addHandler(RequestHandler(handler: handler, maximumURILength: limits.maximumURILength))
                }
            }
        do {
            channel = try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch where address.host == "::" {
            channel = try await bootstrap.bind(host: "0.0.0.0", port: address.port).get()
        }
    }

    static let idleHandlerName = "idle"
    static let deadlineHandlerName = "deadline"

    var localPort: Int? { channel.localAddress?.port }

    func close() async {
        try? await channel.close()
    }
}

private final class RequestHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: HTTPServer.Handler
    private let maximumURILength: Int

    init(handler: @escaping HTTPServer.Handler, maximumURILength: Int) {
        self.handler = handler
        self.maximumURILength = maximumURILength
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let response: HTTPServer.Response
        if head.method != .GET && head.method != .HEAD {
            response = .text(.methodNotAllowed, "read-only API: GET only\n")
        } else if head.uri.utf8.count > maximumURILength {
            response = .text(.uriTooLong, "request URI over \(maximumURILength) bytes\n")
        } else {
            response = handler(head.uri)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        if let stream = response.stream, head.method == .GET {
            startStream(context: context, head: head, headers: headers, stream: stream)
            return
        }
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }

    /// Writes the head (chunked: no length), lifts the deadlines meant for
    /// one-shot answers, and hands the channel to `stream`.
    private func startStream(context: ChannelHandlerContext, head: HTTPRequestHead, headers: HTTPHeaders,
                             stream: @Sendable (any Channel) -> Void) {
        var headers = headers
        headers.add(name: "Connection", value: "close")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))),
                              promise: nil)
        context.pipeline.removeHandler(name: HTTPServer.idleHandlerName, promise: nil)
        context.pipeline.removeHandler(name: HTTPServer.deadlineHandlerName, promise: nil)
        stream(context.channel)
    }

    /// A request the parser refused (its error handler has answered 400) or a socket error: done.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Nothing read or written for `idleTimeout`: the client is gone or stalling.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
