/// A failed CNI operation as the spec's error result: a well-known code, a message and
/// details. The plugin prints it as the one JSON document on stdout and exits non-zero.
public struct CNIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Codes 1–99 are the spec's; 100 and up are Sluice's own, as the spec reserves them for plugins.
    public enum Code: Int, Sendable, Equatable {
        case incompatibleVersion = 1
        case unsupportedField = 2
        /// The netns is gone: nothing was set up, so the runtime need not call DEL.
        case unknownContainer = 3
        case invalidEnvironment = 4
        case ioFailure = 5
        case decodingFailure = 6
        case invalidNetworkConfiguration = 7
        /// Transient: the agent is down or busy, the address lock is held.
        case tryAgainLater = 11
        /// STATUS: ADD cannot be served now.
        case pluginNotAvailable = 50
        /// No address left, or a requested address is taken or outside every range.
        case addressPool = 100
        /// An interface, address or route could not be set up, or is not as ADD left it.
        case interfaceSetup = 101
        /// The agent answered but did not (or no longer does) enforce the endpoint.
        case agentRefused = 102
    }

    public var code: Code
    public var message: String
    public var details: String?

    public init(_ code: Code, _ message: String, details: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String {
        "CNI error \(code.rawValue): \(message)" + (details.map { " (\($0))" } ?? "")
    }

    /// The spec's error object.
    public func json(version: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "cniVersion": .string(version), "code": .number(Double(code.rawValue)), "msg": .string(message),
        ]
        if let details { object["details"] = .string(details) }
        return .object(object)
    }
}

/// The failures of a command that goes on after one (DEL and GC release all they can):
/// `finish` throws the first, with the others in its details.
struct CNIFailures {
    private var errors: [CNIError] = []

    mutating func record(_ error: CNIError) {
        errors.append(error)
    }

    mutating func run(_ step: () throws(CNIError) -> Void) {
        do {
            try step()
        } catch {
            errors.append(error)
        }
    }

    func finish() throws(CNIError) {
        guard var first = errors.first else { return }
        let others = errors.dropFirst().map(\.description)
        if !others.isEmpty {
            first.details = ([first.details].compactMap { $0 } + ["also: " + others.joined(separator: "; also: ")])
                .joined(separator: "; ")
        }
        throw first
    }
}
