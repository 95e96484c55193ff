import Model

/// The `ipam` object: Sluice allocates addresses itself, host-local style, from
/// `ranges` (one set per family) and keeps its reservations in `dataDir/<network>`.
public struct IPAMConfiguration: Sendable, Equatable {
    public static let defaultDataDirectory = "/var/lib/cni/networks"

    public let rangeSets: [RangeSet]
    /// Where this network's reservations live: `<dataDir>/<network name>`.
    public let directory: String

    public init(rangeSets: [RangeSet], directory: String) throws(CNIError) {
        for (index, set) in rangeSets.enumerated() {
            for other in rangeSets[..<index] {
                for range in set.ranges {
                    if let clash = other.ranges.first(where: { $0.overlaps(range) }) {
                        throw CNIError(.invalidNetworkConfiguration, "ranges \(clash) and \(range) overlap")
                    }
                }
            }
        }
        self.rangeSets = rangeSets
        self.directory = directory
    }

    init(field: ConfigField, network: String) throws(CNIError) {
        if let type = try field.optional("type") {
            let name = try type.string()
            guard name == "sluice-cni" else {
                throw type.invalid("sluice-cni allocates addresses itself; leave out ipam.type or set it to \"sluice-cni\", not \"\(name)\"")
            }
        }
        let rangesField = try field.required("ranges")
        var sets: [RangeSet] = []
        for setField in try rangesField.elements() {
            var ranges: [AddressRange] = []
            for rangeField in try setField.elements() {
                ranges.append(try AddressRange(field: rangeField))
            }
            do {
                sets.append(try RangeSet(ranges: ranges))
            } catch {
                throw setField.invalid(error.message)
            }
        }
        guard !sets.isEmpty else { throw rangesField.invalid("must hold at least one range set") }
        guard Set(sets.map(\.family)).count == sets.count else {
            throw rangesField.invalid("holds two range sets of one family; put ranges of a family in one set")
        }
        let dataDirectory = try field.optional("dataDir")?.nonEmptyString() ?? Self.defaultDataDirectory
        do {
            try self.init(rangeSets: sets, directory: dataDirectory + "/" + network)
        } catch {
            throw rangesField.invalid(error.message)
        }
    }
}
