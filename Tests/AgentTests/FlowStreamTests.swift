@testable import Agent
import Foundation
import Glibc
import NIOCore
import NIOPosix
import Testing

/// `/v1/flows?follow=true` on a real server on loopback: streams outlive the
/// deadlines of one-shot answers, their number is bounded, and a client that
/// stops reading is cut off instead of growing the agent.
@Suite(.serialized)
struct FlowStreamTests {
    private func withServer(history: FlowHistory, _ body: (Int) async throws -> Void) async throws {
        var limits = HTTPServer.Limits()
        limits.idleTimeout = .milliseconds(300)
        limits.connectionTimeout = .milliseconds(600)
        // A group of its own: floods here must not delay other suites' deadlines.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let server = try await HTTPServer(
            address: ListenAddress(host: "127.0.0.1", port: 0), group: group,
            limits: limits, handler: { uri in
                var parameters: [String: String] = [:]
                for item in URLComponents(string: uri)?.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
                return HTTPRoutes.flows(parameters, history: history)
            })
        do {
            try await body(try #require(server.localPort))
        } catch {
            await server.close()
            throw error
        }
        await server.close()
    }

    private static func event(_ port: UInt16, verdict: String = "dropped") -> FlowEvent {
        FlowEvent(time: FlowEvent.formatTime(Date()), type: "drop", verdict: verdict, reason: "policy_denied",
                  direction: "ingress", protocol: "TCP",
                  source: .init(ip: "10.0.0.1", port: 40000, namespace: "default", pod: "client"),
                  destination: .init(ip: "10.0.0.2", port: port, namespace: "default", pod: "server"))
    }

    @Test func followedStreamSendsBacklogThenLiveEventsPastTheConnectionDeadline() async throws {
        let history = FlowHistory()
        history.append([Self.event(1001), Self.event(1002), Self.event(1003, verdict: "allowed")])
        try await withServer(history: history) { port in
            let client = try StreamClient(port: port)
            client.send("GET /v1/flows?follow=true&last=2&verdict=dropped HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = client.read(until: "\"port\":1002", timeout: .seconds(2))
            #expect(head.hasPrefix("HTTP/1.1 200 OK"), "\(head)")
            #expect(head.lowercased().contains("transfer-encoding: chunked"), "\(head)")
            #expect(head.contains("\"port\":1001") && !head.contains("\"port\":1003"), "\(head)")

            try await Task.sleep(for: .seconds(1))
            history.append([Self.event(1004, verdict: "allowed"), Self.event(1005)])
            let live = client.read(until: "\"port\":1005", timeout: .seconds(2))
            #expect(live.contains("\"port\":1005") && !live.contains("\"port\":1004"), "\(live)")
        }
    }

    @Test func streamsOverTheMaximumAreRefused() async throws {
        let history = FlowHistory(maximumSubscribers: 2)
        try await withServer(history: history) { port in
            let open = try (0..<2).map { _ in try StreamClient(port: port) }
            for client in open { client.send("GET /v1/flows?follow=true HTTP/1.1\r\nHost: x\r\n\r\n") }
            #expect(await eventually { history.subscriberCount == 2 })
            let refused = try StreamClient(port: port)
            refused.send("GET /v1/flows?follow=true HTTP/1.1\r\nHost: x\r\n\r\n")
            let answer = refused.read(until: "open", timeout: .seconds(2))
            #expect(answer.hasPrefix("HTTP/1.1 503"), "\(answer)")
            #expect(answer.contains("2 flow streams are open"), "\(answer)")
        }
        #expect(await eventually { history.subscriberCount == 0 })
    }

    @Test func clientThatStopsReadingIsDisconnectedAndItsLossCounted() async throws {
        let history = FlowHistory(capacity: 100)
        try await withServer(history: history) { port in
            let client = try StreamClient(port: port, receiveBuffer: 4096)
            client.send("GET /v1/flows?follow=true HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await eventually { history.subscriberCount == 1 })
            // Far more than the kernel's socket buffers and the channel's watermark hold.
            for batch in 0..<400 {
                history.append((0..<100).map { Self.event(UInt16(1 + batch % 60000 + $0)) })
                if history.subscriberCount == 0 { break }
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(await eventually { history.subscriberCount == 0 })
            #expect(history.eventsLostToSubscribers > 0)
            #expect(client.drainsToEnd(timeout: .seconds(5)), "the server closes the connection")
        }
    }

    private func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

/// A raw TCP client on 127.0.0.1 that reads only when told to.
private final class StreamClient {
    private let fd: Int32

    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
    }

    deinit {
        close(fd)
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives until it contains `marker`, the server closes, or `timeout` passes.
    func read(until marker: String, timeout: Duration) -> String {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[..<count]
            if String(decoding: received, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads and discards until the server has closed; false if it has not within `timeout`.
    func drainsToEnd(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return true }
        }
        return false
    }
}
