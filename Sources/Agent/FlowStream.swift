import NIOCore
import NIOHTTP1
import Synchronization

/// One `/v1/flows?follow=true` client: writes its backlog, then every
/// matching live event, as chunks of newline-delimited JSON. A client that
/// stops reading fills the channel's write buffer past its high watermark
/// and is disconnected, so it costs the agent at most that buffer.
final class FlowStream: Sendable {
    private let query: FlowQuery
    private let history: FlowHistory
    private let channel: any Channel

    private init(query: FlowQuery, history: FlowHistory, channel: any Channel) {
        self.query = query
        self.history = history
        self.channel = channel
    }

    /// Subscribes `channel` (its response head written) and streams until the client goes.
    static func start(query: FlowQuery, history: FlowHistory, channel: any Channel) {
        let stream = FlowStream(query: query, history: history, channel: channel)
        guard let (id, backlog) = history.subscribe(query, deliver: { stream.deliver($0) }) else {
            // Another stream took the last slot since the route checked.
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { _ in history.unsubscribe(id) }
        stream.deliver(backlog, filtered: true)
    }

    /// Called on the reader thread; the write happens on the channel's event loop.
    private func deliver(_ events: [FlowEvent], filtered: Bool = false) {
        let matching = filtered ? events : events.filter(query.matches)
        guard !matching.isEmpty else { return }
        // Encoded here, on the caller's thread: the event loop only copies bytes out.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(matching.count * 384)
        for event in matching {
            if let line = try? event.jsonLine() { bytes += line }
        }
        let encoded = bytes
        let channel = self.channel
        let history = self.history
        channel.eventLoop.execute {
            guard channel.isActive else { return }
            guard channel.isWritable else {
                history.countLostToSubscriber(matching.count)
                channel.close(promise: nil)
                return
            }
            let buffer = channel.allocator.buffer(bytes: encoded)
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        }
    }
}

extension HTTPRoutes {
    /// `GET /v1/flows`: the history as newline-delimited JSON, or with
    /// `follow=true` the history and then live events until the client closes.
    static func flows(_ parameters: [String: String], history: FlowHistory) -> HTTPServer.Response {
        let query: FlowQuery
        do {
            query = try FlowQuery(parameters: parameters)
        } catch {
            return .json(APIErrorDocument(error: error.description), status: .badRequest)
        }
        let contentType = "application/x-ndjson"
        guard query.follow else {
            var body: [UInt8] = []
            for event in history.recent(matching: query) {
                if let line = try? event.jsonLine() { body += line }
            }
            return HTTPServer.Response(status: .ok, contentType: contentType, body: body)
        }
        guard history.hasRoomForSubscriber else {
            return .json(APIErrorDocument(error: "\(history.maximumSubscribers) flow streams are open; try later"),
                         status: .serviceUnavailable)
        }
        var response = HTTPServer.Response(status: .ok, contentType: contentType, body: [])
        response.stream = { channel in FlowStream.start(query: query, history: history, channel: channel) }
        return response
    }
}
