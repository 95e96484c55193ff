import Foundation
import Glibc

/// The plugin's log: stdout belongs to the result, so lines go to stderr (the runtime
/// keeps it) or, when the configuration names one, are appended to `logFile`.
struct PluginLog: Sendable {
    let file: String?
    let context: String

    func callAsFunction(_ message: String) {
        let line = "\(Date().ISO8601Format()) sluice-cni[\(getpid())] \(context): \(message)\n"
        let bytes = Array(line.utf8)
        if let file {
            let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            if fd >= 0 {
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                return
            }
        }
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
