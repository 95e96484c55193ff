import Foundation

/// One datapath event as the API serves it: a line of `/v1/flows`, with
/// the pods, policy and service behind the numbers the kernel reported.
public struct FlowEvent: Codable, Sendable, Equatable {
    /// One end of the flow.
    public struct Peer: Codable, Sendable, Equatable {
        public var ip: String
        public var port: UInt16?
        public var namespace: String?
        public var pod: String?
        /// The datapath's identity of the remote end (local pods have none here).
        public var identity: UInt32?

        /// `namespace/pod`, or the address when it is no known pod.
        public var name: String {
            if let namespace, let pod { return "\(namespace)/\(pod)" }
            return ip
        }
    }

    /// RFC 3339 with milliseconds, UTC.
    public var time: String
    /// drop, verdict (first packet of a new flow) or translation.
    public var type: String
    /// dropped, allowed, audit or translated.
    public var verdict: String
    /// The datapath's reason label, as in `sluice_datapath_packets_total`.
    public var reason: String
    /// ingress or egress, seen from the local pod.
    public var direction: String
    /// TCP, UDP, SCTP, ICMP, ICMPv6, or the protocol number.
    public var `protocol`: String
    public var source: Peer
    public var destination: Peer
    /// The policy that allowed the flow (`namespace/name`).
    public var policy: String?
    /// For a flow no rule allowed: the policies isolating the pod in that direction.
    public var deniedBy: [String]?
    /// For a translation: `namespace/name:port` and the backend chosen.
    public var service: String?
    public var backend: Peer?
    public var tcpFlags: String?
    public var endpoint: UInt32?

    public init(time: String, type: String, verdict: String, reason: String, direction: String, protocol: String,
                source: Peer, destination: Peer) {
        self.time = time
        self.type = type
        self.verdict = verdict
        self.reason = reason
        self.direction = direction
        self.protocol = `protocol`
        self.source = source
        self.destination = destination
    }

    /// The time as a date; nil if the field is not RFC 3339.
    public var date: Date? { FlowEvent.parseTime(time) }

    static func formatTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public static func parseTime(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// One compact JSON line, keys sorted.
    public func jsonLine() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
    }
}
