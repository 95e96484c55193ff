/// An IPv4 or IPv6 address, stored in network byte order: 4 bytes for IPv4, 16 for IPv6.
///
/// Parsing follows Kubernetes' strict IP validation (KEP-4858, the default since the
/// `StrictIPCIDRValidation` gate went beta): IPv4 octets must not have leading zeros (libc reads
/// them as octal, Go as decimal: the same text would name two addresses), IPv4-mapped IPv6
/// addresses (`::ffff:1.2.3.4`) and zones (`%eth0`) are rejected. Non-canonical IPv6 spellings
/// (upper case, uncompressed groups) are accepted, as Kubernetes does for legacy fields.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Family: Sendable, Hashable, Comparable, CustomStringConvertible {
        case v4
        case v6

        /// Address length in bits.
        public var bitWidth: Int { self == .v4 ? 32 : 128 }

        public var description: String { self == .v4 ? "IPv4" : "IPv6" }
    }

    /// Network byte order; `count` is 4 (IPv4) or 16 (IPv6).
    public let bytes: [UInt8]

    public var family: Family { bytes.count == 4 ? .v4 : .v6 }

    /// Builds an address from 4 (IPv4) or 16 (IPv6) bytes in network order.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    public init(v4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        bytes = [a, b, c, d]
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nil when it is not a valid address.
    public init?(_ text: String) {
        guard let address = try? IPAddress(parsing: text) else { return nil }
        self = address
    }

    /// Parses like `init?(_:)` but says what is wrong, in Kubernetes' wording.
    public init(parsing text: String) throws(AddressParseError) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let bytes = IPAddress.parseV6(Substring(text)) else {
                throw AddressParseError(text: text, reason: "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)")
            }
            let address = IPAddress(uncheckedBytes: bytes)
            if address.isIPv4Mapped {
                throw AddressParseError(text: text, reason: "must not be an IPv4-mapped IPv6 address")
            }
            self = address
        } else {
            switch IPAddress.parseV4(Substring(text)) {
            case .success(let bytes): self.init(uncheckedBytes: bytes)
            case .failure(let error): throw AddressParseError(text: text, reason: error.reason)
            }
        }
    }

    init(uncheckedBytes: [UInt8]) {
        bytes = uncheckedBytes
    }

    /// `::ffff:a.b.c.d`: an IPv4 address wearing IPv6 clothes.
    public var isIPv4Mapped: Bool {
        bytes.count == 16 && bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
    }

    /// Dotted quad for IPv4, RFC 5952 canonical text for IPv6.
    public var description: String {
        family == .v4 ? bytes.map(String.init).joined(separator: ".") : formatV6()
    }

    /// IPv4 before IPv6, then numerically: a stable order for deterministic output.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.bytes.count != rhs.bytes.count { return lhs.bytes.count < rhs.bytes.count }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// Why a text is not an IP address or CIDR; `reason` is phrased to follow a field path.
public struct AddressParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "\"\(text)\": \(reason)" }
}

extension IPAddress {
    struct V4Failure: Error {
        var reason: String
    }

    static func parseV4(_ text: Substring) -> Result<[UInt8], V4Failure> {
        let invalid = V4Failure(reason: "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)")
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return .failure(invalid) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4)
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(part), value <= 255
            else { return .failure(invalid) }
            if part.utf8.count > 1 && part.utf8.first == 0x30 {
                return .failure(V4Failure(reason: "must not have leading 0s"))
            }
            bytes.append(UInt8(value))
        }
        return .success(bytes)
    }

    /// RFC 4291 text: up to eight hex groups, at most one `::`, optionally ending in a dotted quad.
    static func parseV6(_ text: Substring) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        guard let head = parseV6Groups(Substring(halves[0]), mayEndInV4: halves.count == 1) else { return nil }
        if halves.count == 1 {
            return head.count == 16 ? head : nil
        }
        guard let tail = parseV6Groups(Substring(halves[1]), mayEndInV4: true) else { return nil }
        // "::" stands for at least one group of zeros.
        let zeros = 16 - head.count - tail.count
        guard zeros >= 2 else { return nil }
        return head + [UInt8](repeating: 0, count: zeros) + tail
    }

    private static func parseV6Groups(_ text: Substring, mayEndInV4: Bool) -> [UInt8]? {
        if text.isEmpty { return [] }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        var bytes: [UInt8] = []
        for (index, group) in groups.enumerated() {
            if index == groups.count - 1, mayEndInV4, group.utf8.contains(UInt8(ascii: ".")) {
                guard case .success(let v4) = parseV4(group) else { return nil }
                bytes += v4
                continue
            }
            guard (1...4).contains(group.utf8.count), group.utf8.allSatisfy(\.isHexDigit),
                  let value = UInt16(group, radix: 16)
            else { return nil }
            bytes.append(UInt8(value >> 8))
            bytes.append(UInt8(value & 0xff))
        }
        return bytes.count <= 16 ? bytes : nil
    }

    private func formatV6() -> String {
        if isIPv4Mapped {
            return "::ffff:" + bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        // RFC 5952 4.2: compress the longest run of two or more zero groups, the first on a tie.
        var best: Range<Int>?
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            let start = index
            while index < 8 && groups[index] == 0 { index += 1 }
            if index - start >= 2 && index - start > (best?.count ?? 0) { best = start..<index }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard let run = best else { return hex.joined(separator: ":") }
        return hex[..<run.lowerBound].joined(separator: ":") + "::" + hex[run.upperBound...].joined(separator: ":")
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
