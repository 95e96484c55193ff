/// One request of the plugin to `sluiced` over its Unix socket: a JSON object on one
/// line, answered by one `AgentResponse` line, one pair per connection.
public struct AgentRequest: Sendable, Equatable, Codable {
    public enum Operation: String, Sendable, Codable {
        /// Register `endpoint`; answered once its programs are attached.
        case add
        /// Forget `key`; answered after the sync that stops enforcing it.
        case del
        /// Is `key` registered and enforced?
        case check
        /// Is the agent ready to serve ADD?
        case status
        /// Forget every endpoint of `network` not in `validAttachments`.
        case gc
    }

    public var operation: Operation
    public var endpoint: CNIEndpoint?
    public var key: CNIEndpoint.Key?
    public var network: String?
    public var validAttachments: [CNIAttachment]?

    public init(operation: Operation, endpoint: CNIEndpoint? = nil, key: CNIEndpoint.Key? = nil,
                network: String? = nil, validAttachments: [CNIAttachment]? = nil) {
        self.operation = operation
        self.endpoint = endpoint
        self.key = key
        self.network = network
        self.validAttachments = validAttachments
    }

    public var line: [UInt8] { CNICoding.encode(self) + [0x0a] }

    public init?(line: [UInt8]) {
        guard let request = CNICoding.decode(AgentRequest.self, from: line) else { return nil }
        self = request
    }
}

public struct AgentResponse: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case ok
        /// Transient: not synced yet, policy directory missing. The plugin says "try again later".
        case notReady
        /// The request cannot succeed as it is.
        case failed
    }

    public var outcome: Outcome
    public var message: String?
    /// GC: the endpoints it forgot, so the plugin can delete their veths.
    public var removed: [CNIEndpoint]?

    public init(outcome: Outcome, message: String? = nil, removed: [CNIEndpoint]? = nil) {
        self.outcome = outcome
        self.message = message
        self.removed = removed
    }

    public static let ok = AgentResponse(outcome: .ok)

    public var line: [UInt8] { CNICoding.encode(self) + [0x0a] }

    public init?(line: [UInt8]) {
        guard let response = CNICoding.decode(AgentResponse.self, from: line) else { return nil }
        self = response
    }
}
