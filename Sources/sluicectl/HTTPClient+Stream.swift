import Glibc

extension HTTPClient {
    /// GETs `target` and hands the body to `line` one line at a time as it
    /// arrives (plain or chunked), until the agent closes the connection.
    /// `wait` lifts the receive timeout: a followed stream may be quiet for long.
    /// Answers other than 200 come back as a whole `Response` instead.
    static func streamLines(address: String, target: String, wait: Bool,
                            line: ([UInt8]) throws -> Void) throws -> Response? {
        let (host, port) = try split(address)
        let socket = try connect(host: host, port: port, address: address)
        defer { close(socket) }
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let request = Array("GET \(target) HTTP/1.1\r\nHost: \(hostHeader)\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw HTTPClientError.io(address: address, call: "send", errno: errno) }

        var reader = LineReader()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var head: (status: Int, chunked: Bool)?
        var raw: [UInt8] = []
        if wait {
            var none = timeval(tv_sec: 0, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw HTTPClientError.io(address: address, call: "recv", errno: errno) }
            if let head {
                for text in try reader.feed(buffer[..<count], chunked: head.chunked, address: address) { try line(text) }
                continue
            }
            raw += buffer[..<count]
            guard raw.count <= maximumResponseBytes else { throw HTTPClientError.malformed(address: address, "answer over 64 MiB") }
            guard let parsed = try parseHead(raw, address: address) else { continue }
            head = (parsed.status, parsed.chunked)
            if parsed.status != 200 { continue }
            for text in try reader.feed(raw[parsed.bodyStart...], chunked: parsed.chunked, address: address) { try line(text) }
        }
        guard let head else { throw HTTPClientError.malformed(address: address, "no end of headers") }
        if head.status != 200 {
            let separator: [UInt8] = [13, 10, 13, 10]
            let end = raw.indices.first { raw[$0...].starts(with: separator) } ?? raw.count
            return Response(status: head.status, body: Array(raw[min(end + 4, raw.count)...]))
        }
        // A chunked body ends with an empty chunk; a connection closed before it cut the
        // stream (the agent dropped a slow reader, or stopped), and its last line with it.
        if head.chunked && !reader.ended {
            throw HTTPClientError.malformed(address: address, "the stream was cut off before its end")
        }
        if let rest = reader.finish() { try line(rest) }
        return nil
    }

    private static func parseHead(_ raw: [UInt8], address: String) throws -> (status: Int, chunked: Bool, bodyStart: Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: raw[..<end], as: UTF8.self).split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else {
            throw HTTPClientError.malformed(address: address, "bad status line")
        }
        let chunked = lines.dropFirst().contains { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "transfer-encoding" && parts[1].lowercased().contains("chunked")
        }
        return (status, chunked, end + separator.count)
    }
}

/// Splits a body into lines, taking chunked transfer coding apart on the way.
private struct LineReader {
    private var pending: [UInt8] = []
    private var chunkBytes: [UInt8] = []
    /// Data bytes left in the current chunk; nil while reading a size line.
    private var chunkLeft: Int?
    private var skipCRLF = 0
    /// The empty last chunk came.
    private(set) var ended = false

    mutating func feed(_ bytes: ArraySlice<UInt8>, chunked: Bool, address: String) throws -> [[UInt8]] {
        guard chunked else { return split(bytes) }
        var data: [UInt8] = []
        for byte in bytes {
            if skipCRLF > 0 {
                skipCRLF -= 1
                continue
            }
            if let left = chunkLeft {
                data.append(byte)
                if left == 1 {
                    chunkLeft = nil
                    skipCRLF = 2
                } else {
                    chunkLeft = left - 1
                }
                continue
            }
            chunkBytes.append(byte)
            guard chunkBytes.count >= 2, chunkBytes.suffix(2) == [13, 10] else {
                guard chunkBytes.count < 1024 else { throw HTTPClientError.malformed(address: address, "chunk size line too long") }
                continue
            }
            let text = String(decoding: chunkBytes.dropLast(2), as: UTF8.self)
            chunkBytes = []
            if text.isEmpty { continue } // the blank line after the last chunk
            let sizeText = text.split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(), radix: 16) else {
                throw HTTPClientError.malformed(address: address, "bad chunk size '\(text)'")
            }
            if size > 0 { chunkLeft = size } else { ended = true }
        }
        return split(data[...])
    }

    private mutating func split(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for byte in bytes {
            if byte == 10 {
                lines.append(pending)
                pending = []
            } else {
                pending.append(byte)
            }
        }
        return lines
    }

    mutating func finish() -> [UInt8]? {
        pending.isEmpty ? nil : pending
    }
}

private extension String {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
