import NIOCore
import NIOHTTP1
import NIOPosix

/// A read-only HTTP/1.1 server: GET only, small requests, one answer per request.
/// Routes are synchronous because every answer is built from memory or a few map reads.
final class HTTPServer: Sendable {
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]

        static func text(_ status: HTTPResponseStatus, _ body: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(body.utf8))
        }
    }

    typealias Handler = @Sendable (_ path: String) -> Response

    private let channel: any Channel

    /// Binds `address`; `::` falls back to `0.0.0.0` where IPv6 is off.
    init(address: ListenAddress, group: any EventLoopGroup, handler: @escaping Handler) async throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler))
                }
            }
        do {
            channel = try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch where address.host == "::" {
            channel = try await bootstrap.bind(host: "0.0.0.0", port: address.port).get()
        }
    }

    var localPort: Int? { channel.localAddress?.port }

    func close() async {
        try? await channel.close()
    }
}

private final class RequestHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: HTTPServer.Handler

    init(handler: @escaping HTTPServer.Handler) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let response: HTTPServer.Response
        if head.method == .GET || head.method == .HEAD {
            let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
            response = handler(path)
        } else {
            response = .text(.methodNotAllowed, "read-only API: GET only\n")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
