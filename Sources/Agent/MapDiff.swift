/// What must change in a map to turn `current` into `desired`.
struct MapDiff<Key: Hashable, Value: Equatable> {
    var upserts: [(key: Key, value: Value)] = []
    var deletes: [Key] = []

    init(desired: [Key: Value], current: [Key: Value]) {
        for (key, value) in desired where current[key] != value {
            upserts.append((key, value))
        }
        for key in current.keys where desired[key] == nil {
            deletes.append(key)
        }
    }

    var isEmpty: Bool { upserts.isEmpty && deletes.isEmpty }
}
