import Foundation
import Model
import Planner

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
    /// Which file defines each object in force, so a duplicate is found
    /// without walking every other file (10,000 files load in linear time).
    private var owners: [ObjectKey: (file: String, source: ManifestSource)] = [:]
    /// Every object in force, kept up to date file by file: a change costs
    /// the objects of the changed file, not those of every file.
    private(set) var cluster = Cluster()
    /// What services may have seen change since the last `takeServiceChanges()`.
    private var serviceChanges = ServiceChanges()

    /// Decodes `contents` of `name` unless unchanged and good. Returns a new
    /// error, if any, in which case the file's previous manifests stay. A
    /// refused file is tried again every run: what it clashed with may be gone.
    @discardableResult
    mutating func update(_ name: String, path: String, contents: String) -> String? {
        guard needsDecoding(name, contents: contents) else { return nil }
        return apply(name, contents: contents, decoded: Self.decode([(path, contents)])[0])
    }

    /// False when `contents` are what `name` holds in force already.
    func needsDecoding(_ name: String, contents: String) -> Bool {
        guard let entry = files[name] else { return true }
        return entry.contents != contents || entry.error != nil
    }

    /// Decodes files on every core: decoding is pure, and at 10,000 files it is
    /// most of a full load. Results in the order given.
    static func decode(_ files: [(path: String, contents: String)]) -> [Result<[Manifest], ManifestError>] {
        files.concurrentMap { decode(path: $0.path, contents: $0.contents) }
    }

    /// One file's manifests or its error, as the store takes them.
    static func decode(path: String, contents: String) -> Result<[Manifest], ManifestError> {
        Result { () throws(ManifestError) -> [Manifest] in try ManifestDecoder.decode(contents: contents, file: path) }
    }

    /// Puts what decoding `contents` of `name` gave in force, or records its
    /// error (the previous manifests stay); returns a new error, if any.
    mutating func apply(_ name: String, contents: String, decoded: Result<[Manifest], ManifestError>) -> String? {
        switch decoded {
        case .success(let manifests):
            if let duplicate = duplicate(in: manifests, of: name) {
                return fail(name, message: duplicate, contents: contents)
            }
            index(name, removing: files[name]?.manifests ?? [], adding: manifests)
            cluster.remove(files[name]?.manifests ?? [])
            cluster.add(manifests)
            for manifest in (files[name]?.manifests ?? []) + manifests { serviceChanges.note(manifest) }
            files[name] = Entry(contents: contents, manifests: manifests,
                                generation: (files[name]?.generation ?? 0) + 1, error: nil)
            return nil
        case .failure(let error):
            return fail(name, message: error.description, contents: contents)
        }
    }

    /// An object defined twice, in this file or in another file in force,
    /// as `file:line: Kind namespace/name is already defined at file:line`.
    /// The file that brings the second copy is the one refused.
    private func duplicate(in manifests: [Manifest], of name: String) -> String? {
        var seen: [ObjectKey: ManifestSource] = [:]
        for manifest in manifests {
            let key = ObjectKey(manifest)
            if let owner = owners[key], owner.file != name {
                return "\(manifest.source): \(key) is already defined at \(owner.source)"
            }
            if let first = seen[key] {
                return "\(manifest.source): \(key) is already defined at \(first)"
            }
            seen[key] = manifest.source
        }
        return nil
    }

    private mutating func index(_ name: String, removing old: [Manifest], adding new: [Manifest]) {
        for manifest in old where owners[ObjectKey(manifest)]?.file == name { owners[ObjectKey(manifest)] = nil }
        for manifest in new { owners[ObjectKey(manifest)] = (name, manifest.source) }
    }

    private struct ObjectKey: Hashable, CustomStringConvertible {
        var kind: String
        var namespace: String?
        var name: String

        init(_ manifest: Manifest) {
            kind = manifest.kind
            namespace = manifest.metadata.namespace
            name = manifest.metadata.name
        }

        var description: String { "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)" }
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

    /// Read and decoded without error.
    /// Whether `name` was read before (good or not).
    func knows(_ name: String) -> Bool {
        files[name] != nil
    }

    func isGood(_ name: String) -> Bool {
        files[name].map { $0.error == nil } ?? false
    }

    /// Files read with an error, whose last good version (if any) stays in force.
    var refusedNames: Set<String> {
        Set(files.filter { $0.value.error != nil }.keys)
    }

    /// A file that is gone: its objects leave with it.
    mutating func forget(_ name: String) {
        guard let entry = files.removeValue(forKey: name) else { return }
        index(name, removing: entry.manifests, adding: [])
        cluster.remove(entry.manifests)
        for manifest in entry.manifests { serviceChanges.note(manifest) }
    }

    mutating func retain(_ names: Set<String>) {
        for name in files.keys where !names.contains(name) { forget(name) }
    }

    mutating func takeServiceChanges() -> ServiceChanges {
        defer { serviceChanges = ServiceChanges() }
        return serviceChanges
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
