/// An IP prefix such as `10.0.0.0/8` or `fd00::/64`.
///
/// Parsing follows Kubernetes' strict CIDR validation (KEP-4858; the `StrictIPCIDRValidation`
/// gate is on by default), not the older "sloppy" rules: `10.0.0.1/8` is REJECTED because bits
/// are set beyond the prefix. Older API servers masked it silently to `10.0.0.0/8`, which
/// hides what the author meant (`10.0.0.0/8` or `10.0.0.1/32`?); for an enforcement point
/// guessing wrong opens or closes a hole, so we make the author say it. Leading zeros in the
/// address or the prefix length and IPv4-mapped IPv6 addresses are rejected for the same reason.
public struct CIDR: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The network address: every bit beyond `prefixLength` is zero.
    public let address: IPAddress
    /// 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    public var family: IPAddress.Family { address.family }

    /// Masks `address` to `prefixLength`; nil when the length does not fit the family.
    public init?(address: IPAddress, prefixLength: Int) {
        guard (0...address.family.bitWidth).contains(prefixLength) else { return nil }
        self.address = CIDR.mask(address, to: prefixLength)
        self.prefixLength = prefixLength
    }

    /// The one-address prefix (`/32` or `/128`).
    public init(host address: IPAddress) {
        self.address = address
        prefixLength = address.family.bitWidth
    }

    /// Parses `address/length`; nil when invalid (see `init(parsing:)` for why).
    public init?(_ text: String) {
        guard let cidr = try? CIDR(parsing: text) else { return nil }
        self = cidr
    }

    /// Parses `address/length` strictly, saying what is wrong in Kubernetes' wording.
    public init(parsing text: String) throws(AddressParseError) {
        let invalid = AddressParseError(text: text, reason: "must be a valid CIDR value (e.g. 10.9.8.0/24 or 2001:db8::/64)")
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw invalid }
        let lengthText = parts[1]
        guard (1...3).contains(lengthText.utf8.count), lengthText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let length = Int(lengthText)
        else { throw invalid }
        let parsed: IPAddress
        do {
            parsed = try IPAddress(parsing: String(parts[0]))
        } catch {
            throw AddressParseError(text: text, reason: error.reason == "must not have leading 0s"
                ? "must not have leading 0s in IP or prefix length" : invalid.reason)
        }
        guard length <= parsed.family.bitWidth else { throw invalid }
        if lengthText.utf8.count > 1 && lengthText.utf8.first == 0x30 {
            throw AddressParseError(text: text, reason: "must not have leading 0s in IP or prefix length")
        }
        let network = CIDR.mask(parsed, to: length)
        guard network == parsed else {
            throw AddressParseError(
                text: text,
                reason: "must not have bits set beyond the prefix length (did you mean \(network)/\(length) or \(parsed)/\(parsed.family.bitWidth)?)"
            )
        }
        address = parsed
        prefixLength = length
    }

    public var description: String { "\(address)/\(prefixLength)" }

    /// Compares the prefix bits in place: planning asks this for every pod
    /// address against every block, so it must not allocate.
    public func contains(_ other: IPAddress) -> Bool {
        guard other.family == family else { return false }
        let theirs = other.bytes
        let ours = address.bytes
        var remaining = prefixLength
        var index = 0
        while remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if theirs[index] & mask != ours[index] { return false }
            remaining -= bits
            index += 1
        }
        return true
    }

    /// True when every address of `other` is in `self` (equal prefixes included).
    public func contains(_ other: CIDR) -> Bool {
        other.family == family && other.prefixLength >= prefixLength && contains(other.address)
    }

    /// True when `other` is inside `self` and smaller: Kubernetes' rule for `ipBlock.except`.
    public func strictlyContains(_ other: CIDR) -> Bool {
        other.prefixLength > prefixLength && contains(other)
    }

    /// By family, then address, then shorter prefix first: a stable order for output.
    public static func < (lhs: CIDR, rhs: CIDR) -> Bool {
        if lhs.family != rhs.family { return lhs.family < rhs.family }
        if lhs.address != rhs.address { return lhs.address < rhs.address }
        return lhs.prefixLength < rhs.prefixLength
    }

    static func mask(_ address: IPAddress, to length: Int) -> IPAddress {
        var bytes = address.bytes
        for index in bytes.indices {
            let bitsKept = min(max(length - index * 8, 0), 8)
            bytes[index] &= bitsKept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - bitsKept))
        }
        return IPAddress(uncheckedBytes: bytes)
    }
}
