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
            let client = try LoopbackClient(port: port)
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
            let open = try (0..<2).map { _ in try LoopbackClient(port: port) }
            for client in open { client.send("GET /v1/flows?follow=true HTTP/1.1\r\nHost: x\r\n\r\n") }
            #expect(await eventually { history.subscriberCount == 2 })
            let refused = try LoopbackClient(port: port)
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
            let client = try LoopbackClient(port: port, receiveBuffer: 4096)
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
