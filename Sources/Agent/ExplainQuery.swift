import Model

/// What `/v1/explain` is asked: two parties and a destination port.
struct ExplainQuery: Sendable, Equatable {
    enum Party: Sendable, Equatable {
        case pod(namespace: String, name: String)
        case address(IPAddress)

        /// `namespace/name`, `name` (namespace `default`, as kubectl assumes) or an IP address.
        init(parsing text: String) throws(ExplainError) {
            if let address = IPAddress(text) {
                self = .address(address)
                return
            }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            switch parts.count {
            case 1 where !text.isEmpty: self = .pod(namespace: "default", name: text)
            case 2 where !parts[0].isEmpty && !parts[1].isEmpty: self = .pod(namespace: String(parts[0]), name: String(parts[1]))
            default: throw .badRequest("'\(text)' is neither NAMESPACE/POD nor an IP address")
            }
        }
    }

    var from: Party
    var to: Party
    var fromText: String
    var toText: String
    var `protocol`: TransportProtocol
    var port: UInt16
    /// Which of a pod's addresses to use; by default the family of an address
    /// given, else IPv4 when both pods have one.
    var family: IPAddress.Family?

    /// From the query parameters `from`, `to`, `port` (`80`, `80/TCP`, `53/udp`) and `family` (`ipv4`, `ipv6`).
    init(parameters: [String: String]) throws(ExplainError) {
        guard let fromText = parameters["from"], let toText = parameters["to"], let portText = parameters["port"] else {
            throw .badRequest("from, to and port are required, e.g. ?from=default/client&to=10.0.0.5&port=80/TCP")
        }
        self.fromText = fromText
        self.toText = toText
        from = try Party(parsing: fromText)
        to = try Party(parsing: toText)
        let parts = portText.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let number = UInt16(parts[0]), number > 0 else {
            throw .badRequest("port '\(portText)': expected PORT or PORT/PROTOCOL with PORT in 1-65535")
        }
        port = number
        if parts.count == 2 {
            guard let proto = TransportProtocol(rawValue: parts[1].uppercased()) else {
                throw .badRequest("port '\(portText)': protocol must be TCP, UDP or SCTP")
            }
            `protocol` = proto
        } else {
            `protocol` = .tcp
        }
        switch parameters["family"]?.lowercased() {
        case nil: family = nil
        case "ipv4", "4": family = .v4
        case "ipv6", "6": family = .v6
        case let other?: throw .badRequest("family '\(other)': expected ipv4 or ipv6")
        }
    }
}

/// Why an explanation cannot be given; the HTTP status follows the case.
enum ExplainError: Error, Sendable, Equatable, CustomStringConvertible {
    case badRequest(String)
    case notFound(String)
    case notReady(String)

    var description: String {
        switch self {
        case .badRequest(let message), .notFound(let message), .notReady(let message): message
        }
    }
}
