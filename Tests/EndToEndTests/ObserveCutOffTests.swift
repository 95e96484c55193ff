import Foundation
import Glibc
import Testing
import TestSupport

/// `sluicectl observe` against a server on loopback that cuts its chunked answer off mid-line,
/// as an agent does when it drops a slow reader or stops: the complete lines are printed, the
/// cut one is not, and the command fails.
struct ObserveCutOffTests {
    /// Serves one connection: a 200 with one whole line and half of the next, then closes.
    private static func serveCutOff() throws -> UInt16 {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(listener >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        try #require(bound)
        let port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread {
            defer { close(listener) }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = recv(connection, &request, request.count, 0)
            let whole = #"{"verdict":"allowed"}"# + "\n"
            let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                + String(whole.utf8.count, radix: 16) + "\r\n" + whole + "\r\n"
                + "20\r\n{\"verdict\":\"d"
            _ = answer.utf8CString.withUnsafeBytes { send(connection, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
        }
        return port
    }

    @Test func aStreamCutOffMidLineFailsWithoutPrintingTheCutLine() throws {
        let port = try Self.serveCutOff()
        let result = try run([try TestPaths.binary("sluicectl"), "observe", "--address", "127.0.0.1:\(port)", "--output", "json"])
        #expect(result.status != 0)
        #expect(result.stdout == #"{"verdict":"allowed"}"# + "\n")
        #expect(result.stderr.contains("cut off"), "\(result.stderr)")
    }
}
