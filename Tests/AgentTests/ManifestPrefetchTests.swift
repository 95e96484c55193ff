@testable import Agent
import Foundation
import Glibc
import Model
import Testing

/// Files decoded ahead of their reconcile are handed over only for the contents they were
/// decoded from, and give exactly what the reconciler's own decode gives.
struct ManifestPrefetchTests {
    static let service = ManifestStoreChangesTests.service

    private func withDirectory(_ body: (String, ManifestPrefetch) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "sluice-prefetch-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory, ManifestPrefetch(directory: PolicyDirectory(path: directory, strict: false)))
    }

    /// Polls `take` (which forgets the name) only once the decode is there: `peek` says so.
    private func decoded(_ prefetch: ManifestPrefetch, _ name: String, contents: String) -> ManifestPrefetch.Decoded? {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if prefetch.isDecoded(name) { return prefetch.take(name, contents: contents) }
            usleep(1000)
        }
        return nil
    }

    @Test func aDecodeAheadIsTheReconcilersDecode() throws {
        try withDirectory { directory, prefetch in
            try Self.service.write(toFile: directory + "/web.yaml", atomically: true, encoding: .utf8)
            try "kind: [unclosed\n".write(toFile: directory + "/bad.yaml", atomically: true, encoding: .utf8)
            prefetch.note(["web.yaml", "bad.yaml"])
            for (name, contents) in [("web.yaml", Self.service), ("bad.yaml", "kind: [unclosed\n")] {
                let own = Result { () throws(ManifestError) -> [Manifest] in
                    try ManifestDecoder.decode(contents: contents, file: directory + "/" + name)
                }
                let ahead = try #require(decoded(prefetch, name, contents: contents), "\(name) decoded ahead")
                #expect(ahead == own, "\(name)")
            }
        }
    }

    @Test func otherContentsGetNothing() throws {
        try withDirectory { directory, prefetch in
            try Self.service.write(toFile: directory + "/web.yaml", atomically: true, encoding: .utf8)
            prefetch.note(["web.yaml"])
            #expect(decoded(prefetch, "web.yaml", contents: Self.service + "# edited since\n") == nil)
            // Taken (and refused): the next reconcile of the name decodes it itself.
            #expect(prefetch.take("web.yaml", contents: Self.service) == nil)
        }
    }

    @Test func aForgottenNameIsNotHandedOver() throws {
        try withDirectory { directory, prefetch in
            try Self.service.write(toFile: directory + "/web.yaml", atomically: true, encoding: .utf8)
            prefetch.note(["web.yaml"])
            let deadline = ContinuousClock.now + .seconds(5)
            while !prefetch.isDecoded("web.yaml") && ContinuousClock.now < deadline { usleep(1000) }
            prefetch.forget(["web.yaml"])
            #expect(prefetch.take("web.yaml", contents: Self.service) == nil)
        }
    }
}
