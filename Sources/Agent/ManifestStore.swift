import Model

/// The last good manifests of every file, so a bad edit never costs what
/// the file enforced before.
struct ManifestStore {
    private struct Entry {
        var contents: String
        var manifests: [Manifest]
        var generation: Int
        var error: String?
    }

    private var files: [String: Entry] = [:]

    /// Decodes `contents` of `name` unless unchanged. Returns a new error, if
    /// any, in which case the file's previous manifests stay.
    @discardableResult
    mutating func update(_ name: String, path: String, contents: String) -> String? {
        if let entry = files[name], entry.contents == contents { return nil }
        do {
            let manifests = try ManifestDecoder.decode(contents: contents, file: path)
            files[name] = Entry(contents: contents, manifests: manifests,
                                generation: (files[name]?.generation ?? 0) + 1, error: nil)
            return nil
        } catch {
            return fail(name, message: error.description, contents: contents)
        }
    }

    /// Records an error that is not about the contents (unreadable, too large).
    /// Returns the message when it is new.
    @discardableResult
    mutating func fail(_ name: String, message: String, contents: String? = nil) -> String? {
        var entry = files[name] ?? Entry(contents: "", manifests: [], generation: 0, error: nil)
        let isNew = entry.error != message
        if let contents { entry.contents = contents }
        entry.error = message
        files[name] = entry
        return isNew ? message : nil
    }

    mutating func retain(_ names: Set<String>) {
        files = files.filter { names.contains($0.key) }
    }

    /// Every manifest in force, in file order then document order.
    var manifests: [Manifest] {
        files.keys.sorted().flatMap { files[$0]?.manifests ?? [] }
    }

    var states: [String: AgentStatus.FileState] {
        files.mapValues {
            AgentStatus.FileState(state: $0.error == nil ? .applied : .error, message: $0.error, generation: $0.generation)
        }
    }
}
