/// The parts of an HTTP/1.x response the probe needs: status and decoded body.
struct HTTPResponse {
    let status: Int
    let body: [UInt8]

    struct Head {
        var status: Int
        var contentLength: Int?
        var chunked: Bool
        var bodyOffset: Int
    }

    init(_ raw: [UInt8]) throws(ProbeError) {
        let head = try HTTPResponse.splitHead(raw)
        let rest = Array(raw[head.bodyOffset...])
        status = head.status
        if head.chunked {
            body = try HTTPResponse.dechunk(rest)
        } else if let length = head.contentLength {
            body = Array(rest.prefix(length))
        } else {
            body = rest
        }
    }

    static func splitHead(_ raw: [UInt8]) throws(ProbeError) -> Head {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = raw.firstRange(of: separator) else { throw .network("no complete HTTP header in \(raw.count) bytes") }
        let lines = String(decoding: raw[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first else { throw .network("empty HTTP response") }
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), let status = Int(fields[1]) else {
            throw .network("bad HTTP status line '\(statusLine)'")
        }
        var head = Head(status: status, contentLength: nil, chunked: false, bodyOffset: end.upperBound)
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            if name == "content-length" { head.contentLength = Int(value) }
            if name == "transfer-encoding" { head.chunked = value.lowercased().contains("chunked") }
        }
        return head
    }

    private static func dechunk(_ data: [UInt8]) throws(ProbeError) -> [UInt8] {
        var body: [UInt8] = []
        var index = 0
        let crlf: [UInt8] = [13, 10]
        while index < data.count {
            guard let lineEnd = data[index...].firstRange(of: crlf) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.prefix { $0 != ";" }.trimmingSpaces(), radix: 16) else {
                throw .network("bad chunk size '\(sizeText)'")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard start + size <= data.count else { throw .network("truncated chunk") }
            body += data[start..<start + size]
            index = start + size + 2
        }
        return body
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
