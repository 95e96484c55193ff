import Agent
import ArgumentParser
import Foundation

/// `--address` and `--output`, for the commands that ask the agent's HTTP API.
struct AgentOptions: ParsableArguments {
    enum Output: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    @Option(help: "The agent's HTTP API, HOST:PORT ([IPv6]:PORT).")
    var address = "127.0.0.1:9966"

    @Option(help: "table, or json (the API's document as served).")
    var output = Output.table

    /// GETs `path` with `query`; prints the body as served for `--output json`,
    /// otherwise decodes it and hands it to `table`.
    func show<Document: Decodable>(_ type: Document.Type, path: String, query: [String: String] = [:],
                                   table: (Document) -> String) throws {
        var components = URLComponents()
        components.path = path
        if !query.isEmpty {
            components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        }
        let target = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        let response = try HTTPClient.get(address: address, target: target)
        guard response.status == 200 else {
            let message = (try? APIJSON.decode(APIErrorDocument.self, from: response.body))?.error
                ?? String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SluicectlError.agent(status: response.status, message: message)
        }
        switch output {
        case .json:
            print(String(decoding: response.body, as: UTF8.self), terminator: "")
        case .table:
            let document: Document
            do {
                document = try APIJSON.decode(type, from: response.body)
            } catch {
                throw SluicectlError.unreadable(path: path, reason: "\(error)")
            }
            print(table(document), terminator: "")
        }
    }
}

enum SluicectlError: Error, CustomStringConvertible {
    case agent(status: Int, message: String)
    case unreadable(path: String, reason: String)

    var description: String {
        switch self {
        case .agent(let status, let message): "the agent answered \(status): \(message)"
        case .unreadable(let path, let reason): "cannot read the agent's answer to \(path): \(reason)"
        }
    }
}
