import Glibc

/// `http-get URL`: a plain HTTP/1.0 GET, so tests need no curl inside a namespace.
/// Writes the body as received; with `--status`, the status code on a line before it.
enum HTTPGet {
    static let usage = "sluice-probe http-get http://HOST[:PORT]/PATH [--timeout-ms N] [--status]"

    struct Target {
        var host: String
        var port: UInt16
        var path: String
    }

    static func run(_ arguments: ArraySlice<String>) throws(ProbeError) {
        let options = try Options(arguments, valued: ["timeout-ms"], flags: ["status"])
        let url = try options.positionals(count: 1, usage: usage)[0]
        let target = try parse(url)
        let address = try SocketAddress(host: target.host, port: target.port)
        let deadline = Deadline(afterMilliseconds: try options.integer("timeout-ms", default: 2000, range: 1...600_000))

        let socket = try Socket(family: address.family, type: Int32(SOCK_STREAM.rawValue))
        try socket.connect(to: address, before: deadline)
        let hostHeader = target.host.contains(":") ? "[\(target.host)]:\(target.port)" : "\(target.host):\(target.port)"
        let request = "GET \(target.path) HTTP/1.0\r\nHost: \(hostHeader)\r\nConnection: close\r\n\r\n"
        try socket.send(Array(request.utf8), before: deadline)
        let raw = try socket.receiveAll(limit: 64 << 20, before: deadline, isComplete: isComplete)
        let response = try HTTPResponse(raw)
        if options.has("status") {
            writeOut(Array("\(response.status)\n".utf8) + response.body)
            return
        }
        guard (200..<300).contains(response.status) else {
            printError(String(decoding: response.body, as: UTF8.self))
            throw .httpStatus(response.status)
        }
        writeOut(response.body)
    }

    /// `http://host:port/path`; an IPv6 host is written in brackets, as URLs do.
    static func parse(_ url: String) throws(ProbeError) -> Target {
        let scheme = "http://"
        guard url.hasPrefix(scheme) else { throw .usage("only http:// URLs: '\(url)'") }
        let rest = url.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var host = Substring(authority)
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .usage("unclosed '[' in '\(url)'") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        let port = try portText.map { text throws(ProbeError) in try sluice_probe.port(String(text)) } ?? 80
        return Target(host: String(host), port: port, path: path.isEmpty ? "/" : String(path))
    }

    /// Lets the read stop at Content-Length when a server keeps the connection open.
    private static func isComplete(_ data: [UInt8]) -> Bool {
        guard let head = try? HTTPResponse.splitHead(data), let length = head.contentLength else { return false }
        return data.count - head.bodyOffset >= length
    }
}
