import Foundation

/// Where the package's built binaries and BPF objects are.
public enum TestPaths {
    /// The package root, found from this file's path at build time.
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// SLUICE_BPF_DIR (the Makefile sets it) or `<package root>/bpf/build`.
    public static var bpfObjectDirectory: String {
        ProcessInfo.processInfo.environment["SLUICE_BPF_DIR"] ?? "\(packageRoot)/bpf/build"
    }

    /// The path of a built executable (`sluice-probe`, `sluiced`, `sluicectl`): from
    /// SLUICE_BIN_DIR (`swift build --show-bin-path`, set by the Makefile), else next to
    /// the running test bundle, else `<package root>/.build/debug`.
    public static func binary(_ name: String) throws(TestSupportError) -> String {
        let candidates = binaryDirectories.map { "\($0)/\(name)" }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return found
        }
        throw .binaryNotFound(name: name, searched: binaryDirectories)
    }

    private static var binaryDirectories: [String] {
        var directories: [String] = []
        if let configured = ProcessInfo.processInfo.environment["SLUICE_BIN_DIR"] {
            directories.append(configured)
        }
        // `swift test` runs <bin dir>/<Package>PackageTests.xctest, next to the executables.
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: executable).deletingLastPathComponent().path)
        }
        directories.append("\(packageRoot)/.build/debug")
        return directories
    }
}
