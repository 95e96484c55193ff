import CSluiceBPF
import Model

/// The address field of the abi.h structs: 16 bytes in network order, IPv4 in the first four
/// and the rest zero.
public typealias ABIAddress = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                               UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

extension IPAddress {
    /// The address an abi.h struct holds as `addr` and `family` (enum sluice_family); nil when
    /// the family is neither, as in an unused entry.
    public init?(abi addr: ABIAddress, family: UInt8) {
        let length: Int
        switch UInt32(family) {
        case SLUICE_FAMILY_IPV4.rawValue: length = 4
        case SLUICE_FAMILY_IPV6.rawValue: length = 16
        default: return nil
        }
        guard let address = withUnsafeBytes(of: addr, { IPAddress(bytes: $0.prefix(length)) }) else { return nil }
        self = address
    }

    /// This address as an abi.h struct's `addr`.
    public var abi: ABIAddress {
        var addr: ABIAddress = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &addr) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return addr
    }
}

extension IPAddress.Family {
    /// The family as an abi.h struct's `family` (enum sluice_family).
    public var abi: UInt8 {
        UInt8(self == .v4 ? SLUICE_FAMILY_IPV4.rawValue : SLUICE_FAMILY_IPV6.rawValue)
    }
}
