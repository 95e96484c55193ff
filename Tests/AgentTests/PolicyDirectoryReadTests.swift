@testable import Agent
import Foundation
import Glibc
import Testing

/// What the agent refuses to read from its policy directory, and why.
struct PolicyDirectoryReadTests {
    private func withDirectory(_ body: (String, PolicyDirectory) throws -> Void) throws {
        let base = NSTemporaryDirectory() + "sluice-read-\(UUID().uuidString.prefix(8))"
        let directory = base + "/policies"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(base, 0o755)
        chmod(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try body(directory, PolicyDirectory(path: directory, strict: true))
    }

    private func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
    }

    private func failure(_ result: PolicyDirectory.ReadResult) -> String? {
        if case .failure(let message) = result { return message }
        return nil
    }

    @Test func aFileAndASymlinkInsideAreRead() throws {
        try withDirectory { directory, policies in
            try write(directory + "/a.yaml", Array("kind: x\n".utf8))
            try FileManager.default.createSymbolicLink(atPath: directory + "/b.yaml", withDestinationPath: "a.yaml")
            for name in ["a.yaml", "b.yaml"] {
                guard case .contents(let text) = policies.read(name) else {
                    Issue.record("\(name): \(policies.read(name))")
                    continue
                }
                #expect(text == "kind: x\n")
            }
        }
    }

    /// Many names are read on every core; each result is its own file's, in the order asked,
    /// refusals included.
    @Test func manyFilesReadAtOnceComeBackInOrder() throws {
        try withDirectory { directory, policies in
            var names: [String] = []
            for index in 0..<100 {
                let name = "f\(index).yaml"
                try write(directory + "/" + name, Array("index: \(index)\n".utf8), mode: index % 10 == 3 ? 0o666 : 0o644)
                names.append(name)
            }
            let results = policies.read(names.reversed())
            #expect(results.count == 100)
            for (name, result) in zip(names.reversed(), results) {
                let index = Int(name.dropFirst().dropLast(5)) ?? -1
                if index % 10 == 3 {
                    #expect(failure(result)?.contains("writable by group or others") == true, "\(name)")
                } else if case .contents(let text) = result {
                    #expect(text == "index: \(index)\n")
                } else {
                    Issue.record("\(name): \(result)")
                }
            }
        }
    }

    @Test func whatCannotBeTrustedOrReadIsRefusedWithTheReason() throws {
        try withDirectory { directory, policies in
            let outside = (directory as NSString).deletingLastPathComponent + "/outside.yaml"
            try write(outside, Array("kind: x\n".utf8))
            try FileManager.default.createSymbolicLink(atPath: directory + "/out.yaml", withDestinationPath: outside)
            #expect(failure(policies.read("out.yaml"))?.hasPrefix("symlink leaves the policy directory") == true)

            try FileManager.default.createSymbolicLink(atPath: directory + "/gone.yaml", withDestinationPath: "nowhere.yaml")
            #expect(failure(policies.read("gone.yaml")) == "cannot read file (dangling symlink to nowhere.yaml)")

            try write(directory + "/nul.yaml", [0x6b, 0x00, 0x0a])
            #expect(failure(policies.read("nul.yaml")) == "not UTF-8 text")
            try write(directory + "/latin1.yaml", [0x6b, 0xe9, 0x0a])
            #expect(failure(policies.read("latin1.yaml")) == "not UTF-8 text")

            try write(directory + "/open.yaml", Array("kind: x\n".utf8), mode: 0o666)
            #expect(failure(policies.read("open.yaml"))?.contains("writable by group or others") == true)

            let big = directory + "/big.yaml"
            try write(big, [])
            #expect(truncate(big, off_t(PolicyDirectory.maximumFileSize + 1)) == 0)
            #expect(failure(policies.read("big.yaml")) == "file is \(PolicyDirectory.maximumFileSize + 1) bytes, over the limit of \(PolicyDirectory.maximumFileSize)")

            try FileManager.default.createDirectory(atPath: directory + "/dir.yaml", withIntermediateDirectories: false)
            #expect(failure(policies.read("dir.yaml")) == "not a regular file")

            // A FIFO would block open(2) until a writer came: refused at once instead.
            #expect(mkfifo(directory + "/pipe.yaml", 0o644) == 0)
            #expect(failure(policies.read("pipe.yaml")) == "not a regular file")
            #expect(failure(policies.read("absent.yaml")) == "cannot read file: No such file or directory")
        }
    }

    /// A ConfigMap mount: the visible names are symlinks into `..data`, read through.
    @Test func symlinksThatStayInsideAreReadThrough() throws {
        try withDirectory { directory, policies in
            try FileManager.default.createDirectory(atPath: directory + "/..data", withIntermediateDirectories: false)
            try write(directory + "/..data/a.yaml", Array("kind: x\n".utf8))
            try FileManager.default.createSymbolicLink(atPath: directory + "/a.yaml", withDestinationPath: "..data/a.yaml")
            guard case .contents(let text) = policies.read("a.yaml") else {
                Issue.record("\(policies.read("a.yaml"))")
                return
            }
            #expect(text == "kind: x\n")
        }
    }
}
