@testable import Agent
import Foundation
import Testing

/// The watcher names the manifest files that changed, so one edit among 10,000 files
/// reads one file, and asks for a full look at the directory whenever a name cannot
/// say what changed (a ConfigMap's `..data` swap, a subdirectory).
struct DirectoryWatcherTests {
    private func withWatcher(_ body: (String, DirectoryWatcher) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "sluice-watch-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let watcher = try DirectoryWatcher(path: directory)
        defer { watcher.stop() }
        try body(directory, watcher)
    }

    /// Accumulates changes until `done` holds them, for at most 2 s.
    private func changes(of watcher: DirectoryWatcher, until done: (DirectoryWatcher.Changes) -> Bool)
        -> DirectoryWatcher.Changes {
        var seen = DirectoryWatcher.Changes()
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline && !done(seen) {
            let next = watcher.takeChanges()
            seen.files.formUnion(next.files)
            seen.everything = seen.everything || next.everything
            usleep(5000)
        }
        return seen
    }

    @Test func writingAndRemovingManifestsNamesThem() throws {
        try withWatcher { directory, watcher in
            try "a: 1\n".write(toFile: directory + "/a.yaml", atomically: false, encoding: .utf8)
            try "b: 1\n".write(toFile: directory + "/b.json", atomically: false, encoding: .utf8)
            // A writer's temp file renamed into place: only the final name matters.
            try "c: 1\n".write(toFile: directory + "/.c.yaml.tmp", atomically: false, encoding: .utf8)
            try FileManager.default.moveItem(atPath: directory + "/.c.yaml.tmp", toPath: directory + "/c.yaml")
            let written = changes(of: watcher) { $0.files.isSuperset(of: ["a.yaml", "b.json", "c.yaml"]) }
            #expect(written == DirectoryWatcher.Changes(files: ["a.yaml", "b.json", "c.yaml"], everything: false))

            try FileManager.default.removeItem(atPath: directory + "/a.yaml")
            let removed = changes(of: watcher) { $0.files.contains("a.yaml") }
            #expect(removed == DirectoryWatcher.Changes(files: ["a.yaml"], everything: false))
        }
    }

    /// `mv policies policies.old && mkdir policies`: the watch follows the path, not the
    /// directory that moved away.
    @Test func aDirectoryMovedAwayIsWatchedAgainWhereItWas() throws {
        let directory = NSTemporaryDirectory() + "sluice-watch-\(UUID().uuidString.prefix(8))"
        let old = directory + ".old"
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer {
            try? files.removeItem(atPath: directory)
            try? files.removeItem(atPath: old)
        }
        let watcher = try DirectoryWatcher(path: directory)
        defer { watcher.stop() }
        try files.moveItem(atPath: directory, toPath: old)
        #expect(changes(of: watcher) { $0.everything }.everything, "the move")
        try files.createDirectory(atPath: directory, withIntermediateDirectories: false)
        #expect(changes(of: watcher) { $0.everything }.everything, "the path found again")
        try "a: 1\n".write(toFile: old + "/a.yaml", atomically: false, encoding: .utf8)
        try "b: 1\n".write(toFile: directory + "/b.yaml", atomically: false, encoding: .utf8)
        let written = changes(of: watcher) { $0.files.contains("b.yaml") }
        #expect(written.files == ["b.yaml"], "only the directory at the path is watched")
    }

    @Test func namesThatDoNotPinDownAFileAskForTheWholeDirectory() throws {
        try withWatcher { directory, watcher in
            try FileManager.default.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..v1")
            #expect(changes(of: watcher) { $0.everything }.everything, "a ConfigMap's ..data swap")
            _ = watcher.takeChanges()
            try FileManager.default.createDirectory(atPath: directory + "/sub.yaml", withIntermediateDirectories: false)
            #expect(changes(of: watcher) { $0.everything }.everything, "a directory, whatever its name")
        }
    }
}
