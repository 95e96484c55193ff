import Model

/// One `ranges[i][j]` entry of the IPAM configuration, as host-local reads it: a subnet
/// and the part of it to hand out. IPv4 never hands out the subnet's network or
/// broadcast address, IPv6 never its first (subnet-router anycast) address; a
/// configured gateway is never handed out either.
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    public let subnet: CIDR
    public let start: IPAddress
    public let end: IPAddress
    public let gateway: IPAddress?

    public var family: IPAddress.Family { subnet.family }

    public init(subnet: CIDR, start: IPAddress? = nil, end: IPAddress? = nil, gateway: IPAddress? = nil) throws(CNIError) {
        let label = "range \(subnet)"
        let first = subnet.address.integer + 1
        let lastAddress = IPAddress.last(of: subnet).integer
        let last = subnet.family == .v4 ? lastAddress &- 1 : lastAddress
        guard subnet.prefixLength < subnet.family.bitWidth - 1, first <= last else {
            throw CNIError(.invalidNetworkConfiguration, "\(label): too small to hand out addresses")
        }
        for (name, address) in [("rangeStart", start), ("rangeEnd", end), ("gateway", gateway)] {
            guard let address else { continue }
            guard subnet.contains(address) else {
                throw CNIError(.invalidNetworkConfiguration, "\(label): \(name) \(address) is outside the subnet")
            }
            if name != "gateway", !(first...last).contains(address.integer) {
                throw CNIError(.invalidNetworkConfiguration,
                               "\(label): \(name) \(address) is the subnet's network or broadcast address")
            }
        }
        let startAddress = start ?? IPAddress(family: subnet.family, integer: first)
        let endAddress = end ?? IPAddress(family: subnet.family, integer: last)
        guard startAddress.integer <= endAddress.integer else {
            throw CNIError(.invalidNetworkConfiguration, "\(label): rangeStart \(startAddress) is after rangeEnd \(endAddress)")
        }
        self.subnet = subnet
        self.start = startAddress
        self.end = endAddress
        self.gateway = gateway
    }

    public var description: String { "\(subnet) [\(start)-\(end)]" }

    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && start.integer <= address.integer && address.integer <= end.integer
    }

    /// Addresses from start to end, the gateway included.
    var size: UInt128 { end.integer - start.integer + 1 }

    func overlaps(_ other: AddressRange) -> Bool {
        family == other.family && start.integer <= other.end.integer && other.start.integer <= end.integer
    }
}

extension AddressRange {
    /// Reads `{"subnet": ..., "rangeStart"?: ..., "rangeEnd"?: ..., "gateway"?: ...}`.
    init(field: ConfigField) throws(CNIError) {
        let subnetField = try field.required("subnet")
        let subnetText = try subnetField.string()
        let subnet: CIDR
        do {
            subnet = try CIDR(parsing: subnetText)
        } catch {
            throw subnetField.invalid(error.reason)
        }
        func address(_ key: String) throws(CNIError) -> IPAddress? {
            guard let member = try field.optional(key) else { return nil }
            let text = try member.string()
            do {
                return try IPAddress(parsing: text)
            } catch {
                throw member.invalid("\"\(text)\" \(error.reason)")
            }
        }
        do {
            try self.init(subnet: subnet, start: address("rangeStart"), end: address("rangeEnd"), gateway: address("gateway"))
        } catch {
            throw CNIError(.invalidNetworkConfiguration, "\(field.path): \(error.message)")
        }
    }
}

/// The ranges of one `ranges[i]`: one address of the set is handed out per ADD. All of
/// one family; a dual-stack network has one set per family.
public struct RangeSet: Sendable, Equatable {
    public let ranges: [AddressRange]

    public var family: IPAddress.Family { ranges.first?.family ?? .v4 }

    public init(ranges: [AddressRange]) throws(CNIError) {
        guard let first = ranges.first else {
            throw CNIError(.invalidNetworkConfiguration, "a range set must hold at least one range")
        }
        for (index, range) in ranges.enumerated() {
            guard range.family == first.family else {
                throw CNIError(.invalidNetworkConfiguration, "range \(range.subnet) mixes \(range.family) into an \(first.family) range set")
            }
            for other in ranges[..<index] where other.overlaps(range) {
                throw CNIError(.invalidNetworkConfiguration, "ranges \(other) and \(range) overlap")
            }
        }
        self.ranges = ranges
    }

    public func contains(_ address: IPAddress) -> Bool {
        ranges.contains { $0.contains(address) }
    }

    func range(containing address: IPAddress) -> AddressRange? {
        ranges.first { $0.contains(address) }
    }

    /// Addresses that can be handed out: every range's size minus its gateway.
    var capacity: UInt128 {
        ranges.reduce(UInt128(0)) { total, range in
            total &+ range.size &- (range.gateway.map { range.contains($0) ? 1 : 0 } ?? 0)
        }
    }

    func isGateway(_ address: IPAddress) -> Bool {
        ranges.contains { $0.gateway == address }
    }

    /// The address after `address` in range order, wrapping from the last range's end to
    /// the first range's start. An address outside every range restarts at the first.
    func next(after address: IPAddress?) -> IPAddress {
        guard let address, let index = ranges.firstIndex(where: { $0.contains(address) }) else {
            return ranges[0].start
        }
        let range = ranges[index]
        if address.integer < range.end.integer {
            return IPAddress(family: family, integer: address.integer + 1)
        }
        return ranges[(index + 1) % ranges.count].start
    }
}
