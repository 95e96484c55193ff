import Model

/// An address with its prefix length as results write it (`10.244.1.5/32`); unlike a
/// CIDR it may have host bits set (`10.244.1.5/24` is an address in a /24).
public struct InterfaceAddress: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init(address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// The one-address form: `/32` or `/128`.
    public init(host address: IPAddress) {
        self.init(address: address, prefixLength: address.family.bitWidth)
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])),
              parts[1].allSatisfy(\.isASCIIDigit), let length = Int(parts[1]), (0...address.family.bitWidth).contains(length)
        else { return nil }
        self.init(address: address, prefixLength: length)
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
