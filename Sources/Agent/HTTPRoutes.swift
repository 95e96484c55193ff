/// The agent's read-only HTTP API.
struct HTTPRoutes: Sendable {
    let status: AgentStatus
    let metrics: MetricsExporter

    func handle(_ path: String) -> HTTPServer.Response {
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
        default:
            return .text(.notFound, "not found\n")
        }
    }
}
