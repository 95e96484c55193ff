/// One destination of a `sluice-probe matrix` run: a numeric address (IPv4, or
/// IPv6 without brackets), a port and a transport.
public struct MatrixTarget: Hashable, Sendable, CustomStringConvertible {
    public enum Transport: String, Hashable, Sendable, CaseIterable, Comparable {
        case tcp
        case udp

        public static func < (lhs: Transport, rhs: Transport) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public let address: String
    public let port: UInt16
    public let transport: Transport

    public init(address: String, port: UInt16, transport: Transport) {
        self.address = address
        self.port = port
        self.transport = transport
    }

    /// The `ADDR PORT PROTO` triple: how the probe takes the target and how its line starts.
    var arguments: [String] { [address, String(port), transport.rawValue] }

    public var description: String { arguments.joined(separator: " ") }
}
