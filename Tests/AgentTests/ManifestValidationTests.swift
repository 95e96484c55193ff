@testable import Agent
import Foundation
import Glibc
import Testing

/// `sluicectl validate`'s reading of files: the agent's rules and messages.
struct ManifestValidationTests {
    /// A fresh directory with `files`, removed after `body`.
    private func withDirectory(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "sluice-validate-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (name, contents) in files {
            try contents.write(toFile: path + "/" + name, atomically: false, encoding: .utf8)
        }
        try body(path)
    }

    private static let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"

    @Test func aDirectoryIsReadAsTheAgentReadsIt() throws {
        try withDirectory([
            "a.yaml": Self.namespace + "---\n" + pod("web", ip: "10.0.0.1"),
            "b.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {hostNetwork: maybe}\n",
            ".hidden.yaml": "junk: [",
            "notes.txt": "junk: [",
        ]) { path in
            let results = ManifestValidation.validate(paths: [path])
            #expect(results.map(\.path) == [path + "/a.yaml", path + "/b.yaml"])
            #expect(results[0].error == nil)
            #expect(results[0].objects == 2)
            #expect(results[1].error?.hasPrefix(path + "/b.yaml:4: spec.hostNetwork: ") == true, "\(results[1])")
        }
    }

    @Test func anObjectDefinedInTwoFilesIsAnErrorOfTheSecond() throws {
        try withDirectory(["a.yaml": Self.namespace, "b.yaml": Self.namespace]) { path in
            let results = ManifestValidation.validate(paths: [path + "/b.yaml", path + "/a.yaml"])
            #expect(results.map(\.path) == [path + "/a.yaml", path + "/b.yaml"])
            #expect(results[0].error == nil)
            #expect(results[1].error == "\(path)/b.yaml:1: Namespace shop is already defined at \(path)/a.yaml:1")
        }
    }

    @Test func namesTheAgentIgnoresAndMissingPathsAreErrors() throws {
        try withDirectory(["notes.txt": Self.namespace]) { path in
            let results = ManifestValidation.validate(paths: [path + "/notes.txt", path + "/gone.yaml"])
            #expect(results.count == 2)
            #expect(results[0].error?.contains("the agent ignores this name") == true)
            #expect(results[1].error == "\(path)/gone.yaml: no such file or directory")
        }
    }

    @Test func ownershipIsCheckedOnlyWhenAskedFor() throws {
        try withDirectory(["a.yaml": Self.namespace]) { path in
            #expect(chmod(path + "/a.yaml", 0o664) == 0)
            #expect(ManifestValidation.validate(paths: [path]).first?.error == nil)
            let strict = ManifestValidation.validate(paths: [path], strict: true)
            #expect(strict.first?.error?.contains("writable by group or others") == true, "\(strict)")
        }
    }
}
