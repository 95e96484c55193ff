import Foundation
import Glibc

func writeFile(_ path: String, contents: String) throws(TestSupportError) {
    guard FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)) else {
        throw .system(call: "create", path: path, errno: errno)
    }
}

/// Deletes a directory tree (also in bpffs and cgroupfs); errors are reported, not thrown,
/// because it runs during cleanup.
func removeRecursively(_ path: String) {
    guard FileManager.default.fileExists(atPath: path) else { return }
    do {
        try FileManager.default.removeItem(atPath: path)
    } catch {
        reportCleanupFailure("removing \(path): \(error)")
    }
}

/// Cleanup goes on after a failure; the failure is printed so a leak is noticed.
func reportCleanupFailure(_ message: String) {
    FileHandle.standardError.write(Data("TestSupport cleanup: \(message)\n".utf8))
}
