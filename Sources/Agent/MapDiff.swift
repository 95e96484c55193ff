/// What must change in a map to turn `current` into `desired`.
struct MapDiff<Key: Hashable, Value: Equatable> {
    var upserts: [(key: Key, value: Value)] = []
    var deletes: [Key] = []
    /// Upserts of keys `current` lacks: what the map must find room for.
    var newKeys = 0

    init(desired: [Key: Value], current: [Key: Value]) {
        for (key, value) in desired where current[key] != value {
            upserts.append((key, value))
            if current[key] == nil { newKeys += 1 }
        }
        for key in current.keys where desired[key] == nil {
            deletes.append(key)
        }
    }

    var isEmpty: Bool { upserts.isEmpty && deletes.isEmpty }
}
