import CSluiceBPF
import Foundation
import NIOHTTP1

/// The agent's read-only HTTP API.
struct HTTPRoutes: Sendable {
    let status: AgentStatus
    let metrics: MetricsExporter
    /// Flow events, when the datapath's event ring buffer could be opened.
    var flows: FlowHistory?

    /// `uri` is the request target: a path and perhaps a query.
    func handle(_ uri: String) -> HTTPServer.Response {
        let components = URLComponents(string: uri)
        let path = components?.path ?? uri
        switch path {
        case "/metrics":
            return HTTPServer.Response(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                       body: metrics.scrape())
        case "/healthz":
            return .text(.ok, "ok\n")
        case "/readyz":
            let snapshot = status.snapshot
            return snapshot.ready
                ? .text(.ok, "ready\n")
                : .text(.serviceUnavailable, "not ready: \(snapshot.lastSyncError ?? "first sync not done")\n")
        case "/v1/status":
            return .json(StatusDocument(snapshot: status.snapshot, capacities: capacities()))
        case "/v1/endpoints":
            return .json(EndpointsDocument(snapshot: status.snapshot))
        case "/v1/services":
            return .json(ServicesDocument(snapshot: status.snapshot))
        case "/v1/policies":
            return .json(PoliciesDocument(snapshot: status.snapshot))
        case "/v1/identities":
            return .json(IdentitiesDocument(snapshot: status.snapshot))
        case "/v1/explain":
            var parameters: [String: String] = [:]
            for item in components?.queryItems ?? [] where parameters[item.name] == nil {
                parameters[item.name] = item.value ?? ""
            }
            do {
                let query = try ExplainQuery(parameters: parameters)
                return .json(try PolicyExplainer(snapshot: status.snapshot).explain(query))
            } catch {
                let code: HTTPResponseStatus = switch error {
                case .badRequest: .badRequest
                case .notFound: .notFound
                case .notReady: .serviceUnavailable
                }
                return .json(APIErrorDocument(error: error.description), status: code)
            }
        case "/v1/flows":
            guard let flows else {
                return .json(APIErrorDocument(error: "flow events are not available"), status: .serviceUnavailable)
            }
            var parameters: [String: String] = [:]
            for item in components?.queryItems ?? [] where parameters[item.name] == nil {
                parameters[item.name] = item.value ?? ""
            }
            return Self.flows(parameters, history: flows)
        default:
            return .text(.notFound, "not found\n")
        }
    }

    /// Max entries of the datapath's maps, as the kernel reports them.
    private func capacities() -> [String: Int] {
        let maps = metrics.maps
        let infos = [maps.endpoints.info, maps.ipcache.info, maps.policy.info, maps.conntrack.info, maps.conntrackOther.info,
                     maps.policyStats.info]
        return Dictionary(infos.map { ($0.name, Int($0.maxEntries)) }, uniquingKeysWith: { first, _ in first })
    }
}

extension HTTPServer.Response {
    static func json<Document: Encodable>(_ document: Document, status: HTTPResponseStatus = .ok) -> Self {
        do {
            return Self(status: status, contentType: "application/json", body: try APIJSON.encode(document))
        } catch {
            return .text(.internalServerError, "cannot encode the answer: \(error)\n")
        }
    }
}
