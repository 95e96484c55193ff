import Glibc

/// A plain HTTP/1.1 GET over a blocking socket: the agent answers one short
/// request per connection and closes it, which is all sluicectl needs.
enum HTTPClient {
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    static let timeoutSeconds = 10
    static let maximumResponseBytes = 64 << 20

    static func get(address: String, target: String) throws(HTTPClientError) -> Response {
        let (host, port) = try split(address)
        let socket = try connect(host: host, port: port, address: address)
        defer { close(socket) }
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let request = Array("GET \(target) HTTP/1.1\r\nHost: \(hostHeader)\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw .io(address: address, call: "send", errno: errno) }
            sent += count
        }
        var raw: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw .io(address: address, call: "recv", errno: errno) }
            raw += chunk[..<count]
            guard raw.count <= maximumResponseBytes else { throw .malformed(address: address, "answer over 64 MiB") }
        }
        return try parse(raw, address: address)
    }

    /// `HOST:PORT` or `[IPv6]:PORT`.
    static func split(_ address: String) throws(HTTPClientError) -> (host: String, port: String) {
        var host = Substring(address)
        var port: Substring = ""
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            host = address[address.index(after: address.startIndex)..<close]
            let rest = address[address.index(after: close)...]
            if rest.hasPrefix(":") { port = rest.dropFirst() }
        } else if let colon = address.lastIndex(of: ":") {
            host = address[..<colon]
            port = address[address.index(after: colon)...]
        }
        guard !host.isEmpty, let number = UInt16(port), number > 0 else { throw .badAddress(address) }
        return (String(host), String(port))
    }

    static func connect(host: String, port: String, address: String) throws(HTTPClientError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &list)
        guard status == 0, let first = list else {
            throw .resolve(address: address, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastErrno: Int32 = 0
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let info = current {
            current = info.pointee.ai_next
            let socket = Glibc.socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard socket >= 0 else {
                lastErrno = errno
                continue
            }
            // Bounds connect, send and every recv: an agent that stalls cannot hang the command.
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(socket, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return socket }
            lastErrno = errno
            close(socket)
        }
        throw .io(address: address, call: "connect", errno: lastErrno)
    }

    private static func parse(_ raw: [UInt8], address: String) throws(HTTPClientError) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else {
            throw .malformed(address: address, "no end of headers")
        }
        let head = String(decoding: raw[..<end], as: UTF8.self).split(separator: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else {
            throw .malformed(address: address, "bad status line")
        }
        var body = Array(raw[(end + separator.count)...])
        for line in head.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length",
               let length = Int(parts[1].filter { $0 != " " && $0 != "\t" }) {
                guard body.count >= length else { throw .malformed(address: address, "answer cut short") }
                body = Array(body.prefix(length))
            }
        }
        return Response(status: status, body: body)
    }
}

enum HTTPClientError: Error, CustomStringConvertible {
    case badAddress(String)
    case resolve(address: String, reason: String)
    case io(address: String, call: String, errno: Int32)
    case malformed(address: String, String)

    var description: String {
        switch self {
        case .badAddress(let address): "--address '\(address)': expected HOST:PORT or [IPv6]:PORT"
        case .resolve(let address, let reason): "\(address): \(reason)"
        case .io(let address, let call, let code):
            "\(address): \(call): \(String(cString: strerror(code)))" + (call == "connect" ? " (is sluiced running there?)" : "")
        case .malformed(let address, let reason): "\(address): not an HTTP answer: \(reason)"
        }
    }
}
