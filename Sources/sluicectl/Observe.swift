import Agent
import ArgumentParser
import Foundation
import Glibc

extension Sluicectl {
    struct Observe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show flow and drop events of this node's pods as they happen.",
            discussion: """
                Follows live events by default. With --since or --last it prints \
                that part of the agent's history (the last 10,000 events) and exits, \
                unless --follow is given too. Filters match either end of a flow.
                """)

        @OptionGroup var agent: AgentOptions

        @Option(help: "Only flows with a pod in this namespace at either end.")
        var namespace: String?

        @Option(help: "Only flows of this pod (NAME or NAMESPACE/NAME) at either end.")
        var pod: String?

        @Option(help: "allowed, dropped, audit or translated.")
        var verdict: String?

        @Option(name: .customLong("protocol"), help: "TCP, UDP, SCTP, ICMP, ICMPv6.")
        var transport: String?

        @Option(help: "Only flows with this port at either end.")
        var port: UInt16?

        @Option(help: "History from this RFC 3339 time, or this long ago (30s, 5m, 1h).")
        var since: String?

        @Option(help: "The last N matching events of the history.")
        var last: Int?

        @Flag(inversion: .prefixedNo, help: "Keep streaming live events (default unless --since or --last is given).")
        var follow: Bool?

        func run() throws {
            var parameters: [String: String] = [:]
            parameters["namespace"] = namespace
            parameters["pod"] = pod
            parameters["verdict"] = verdict
            parameters["protocol"] = transport
            parameters["port"] = port.map(String.init)
            parameters["since"] = since
            parameters["last"] = last.map(String.init)
            let following = follow ?? (since == nil && last == nil)
            if following { parameters["follow"] = "true" }

            var components = URLComponents()
            components.path = "/v1/flows"
            components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            let target = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")

            let printer = FlowPrinter(output: agent.output)
            let failure = try HTTPClient.streamLines(address: agent.address, target: target, wait: following) { line in
                guard !line.isEmpty else { return }
                try printer.print(line)
            }
            if let failure {
                let message = (try? APIJSON.decode(APIErrorDocument.self, from: failure.body))?.error
                    ?? String(decoding: failure.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                throw SluicectlError.agent(status: failure.status, message: message)
            }
        }
    }
}

/// Prints events as they come: JSON lines as served, or fixed-width table rows
/// (a stream cannot be measured before it is printed).
final class FlowPrinter {
    private let output: AgentOptions.Output
    private var printedHeader = false
    static let widths = [15, 10, 7, 30, 30, 11, 26]

    init(output: AgentOptions.Output) {
        self.output = output
    }

    func print(_ line: [UInt8]) throws {
        if output == .json {
            Self.emit(line + [10])
            return
        }
        let event: FlowEvent
        do {
            event = try JSONDecoder().decode(FlowEvent.self, from: Data(line))
        } catch {
            throw SluicectlError.unreadable(path: "/v1/flows", reason: "\(error)")
        }
        if !printedHeader {
            Self.emit(Array((Self.row(["TIME", "VERDICT", "DIR", "FROM", "TO", "PROTO/PORT", "POLICY", "REASON"]) + "\n").utf8))
            printedHeader = true
        }
        Self.emit(Array((Self.row(Self.cells(event)) + "\n").utf8))
    }

    /// Straight to fd 1, unbuffered: a followed stream shows each event as it comes.
    private static func emit(_ bytes: [UInt8]) {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            written += count
        }
    }

    static func cells(_ event: FlowEvent) -> [String] {
        let clock = event.time.split(separator: "T").last.map { String($0.prefix(15)) } ?? event.time
        var to = endpoint(event.destination)
        if let backend = event.backend { to += " -> " + endpoint(backend) }
        let port = event.destination.port.map { "/\($0)" } ?? ""
        let policy = event.policy ?? event.service ?? event.deniedBy.map { $0.isEmpty ? "-" : $0.joined(separator: ",") } ?? "-"
        return [clock, event.verdict, event.direction, endpoint(event.source), to, event.protocol + port, policy, event.reason]
    }

    private static func endpoint(_ peer: FlowEvent.Peer) -> String {
        if peer.pod != nil { return peer.name }
        return peer.ip.isEmpty ? "-" : peer.ip
    }

    static func row(_ cells: [String]) -> String {
        var line = ""
        for (index, cell) in cells.enumerated() {
            if index < widths.count {
                line += cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0) + "  "
            } else {
                line += cell
            }
        }
        return line
    }
}
