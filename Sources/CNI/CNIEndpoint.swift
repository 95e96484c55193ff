import Foundation

/// A pod attached by the plugin, as the agent enforces it: who it is (the endpoint's
/// identity is the Kubernetes namespace and name), where its interface is and its addresses.
public struct CNIEndpoint: Sendable, Equatable, Codable {
    /// The spec's primary key: network name, container ID, interface name.
    public struct Key: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
        public var network: String
        public var containerID: String
        public var ifname: String

        public init(network: String, attachment: CNIAttachment) {
            self.network = network
            containerID = attachment.containerID
            ifname = attachment.ifname
        }

        public var attachment: CNIAttachment { CNIAttachment(containerID: containerID, ifname: ifname) }

        public var description: String { "\(network)/\(containerID)/\(ifname)" }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.network, lhs.containerID, lhs.ifname) < (rhs.network, rhs.containerID, rhs.ifname)
        }

        /// A file name for the key: hex of its parts, so any interface name is safe on disk.
        public var fileName: String {
            Array("\(network)\n\(containerID)\n\(ifname)".utf8).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined() + ".json"
        }
    }

    public var key: Key
    public var netns: String
    public var podNamespace: String
    public var podName: String
    /// The host end of the pod's veth, in the agent's network namespace.
    public var hostInterface: String
    /// One per family, as text (`10.244.1.5`, `fd00::5`).
    public var addresses: [String]
    public var registeredAt: Date

    public init(key: Key, netns: String, podNamespace: String, podName: String, hostInterface: String,
                addresses: [String], registeredAt: Date = Date()) {
        self.key = key
        self.netns = netns
        self.podNamespace = podNamespace
        self.podName = podName
        self.hostInterface = hostInterface
        self.addresses = addresses
        self.registeredAt = registeredAt
    }
}

/// A DEL the plugin could not hand to the agent (it was down): the agent replays it
/// at start, and on every later sync in case it was written while the agent started.
public struct PendingDelete: Sendable, Equatable, Codable {
    public var key: CNIEndpoint.Key
    public var queuedAt: Date

    public init(key: CNIEndpoint.Key, queuedAt: Date = Date()) {
        self.key = key
        self.queuedAt = queuedAt
    }
}

/// Dates as seconds since 1970 with fractions: exact across encode and decode.
enum CNICoding {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        (try? encoder().encode(value)).map { Array($0) } ?? []
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        try? decoder().decode(type, from: Data(bytes))
    }
}
