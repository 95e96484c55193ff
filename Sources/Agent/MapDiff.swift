import HashTreeCollections

/// A map's contents as the agent holds them: a Dictionary, or a TreeDictionary where plans
/// share their entries.
protocol MapContents<Key, Value>: Sequence where Element == (key: Key, value: Value) {
    associatedtype Key: Hashable
    associatedtype Value
    subscript(key: Key) -> Value? { get }
}

extension Dictionary: MapContents {}
extension TreeDictionary: MapContents {}

/// What must change in a map to turn `current` into `desired`.
struct MapDiff<Key: Hashable, Value: Equatable> {
    var upserts: [(key: Key, value: Value)] = []
    var deletes: [Key] = []
    /// Upserts of keys `current` lacks: what the map must find room for.
    var newKeys = 0

    init(desired: some MapContents<Key, Value>, current: some MapContents<Key, Value>) {
        for (key, value) in desired where current[key] != value {
            upserts.append((key, value))
            if current[key] == nil { newKeys += 1 }
        }
        for (key, _) in current where desired[key] == nil {
            deletes.append(key)
        }
    }

    var room: MapRoom { MapRoom(newKeys: newKeys, deletes: deletes.count) }

    /// The difference at `keys` only, for callers that know no other key differs; every key
    /// when `keys` is nil.
    init(desired: some MapContents<Key, Value>, current: some MapContents<Key, Value>, keys: Set<Key>?) {
        guard let keys else {
            self = MapDiff(desired: desired, current: current)
            return
        }
        for key in keys {
            let wanted = desired[key]
            let held = current[key]
            guard wanted != held else { continue }
            if let wanted {
                upserts.append((key, wanted))
                if held == nil { newKeys += 1 }
            } else {
                deletes.append(key)
            }
        }
    }

    var isEmpty: Bool { upserts.isEmpty && deletes.isEmpty }
}

/// What a difference asks of its map's capacity, whatever the map's types.
struct MapRoom {
    var newKeys: Int
    var deletes: Int

    /// Entries the map holds at most while the difference is written into a map of `current`
    /// entries (new keys go in before old ones leave), and once it is, when that peak exceeds
    /// `capacity`; nil when it fits.
    func overflow(current: Int, capacity: UInt32) -> (peak: Int, after: Int)? {
        let peak = current + newKeys
        return peak > Int(capacity) ? (peak, peak - deletes) : nil
    }
}
