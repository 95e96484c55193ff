import Model

extension IPAddress {
    /// The address as a number, for range arithmetic (IPv4 in the low 32 bits).
    var integer: UInt128 {
        bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
    }

    /// The address of `family` whose number is `integer` (truncated to the family's width).
    init(family: Family, integer: UInt128) {
        let count = family == .v4 ? 4 : 16
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: integer >> (8 * UInt128(count - 1 - $0))) }
        guard let address = IPAddress(bytes: bytes) else { preconditionFailure("4 or 16 bytes always form an address") }
        self = address
    }

    /// The highest address of `prefix`.
    static func last(of prefix: CIDR) -> IPAddress {
        let width = prefix.family.bitWidth
        let hostBits = width - prefix.prefixLength
        let hostMask: UInt128 = hostBits == 0 ? 0 : (hostBits >= 128 ? ~0 : (UInt128(1) << UInt128(hostBits)) - 1)
        return IPAddress(family: prefix.family, integer: prefix.address.integer | hostMask)
    }
}
