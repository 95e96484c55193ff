import Prometheus

/// The service load balancer's metrics, beside the others in `MetricDescriptors`.
extension MetricDescriptors {
    static var serviceConnections: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_service_connections", unitName: "total", helpText:
            "New connections (connect() and unconnected datagrams) translated to a backend, per service port and family.")
    }
    static var serviceNoBackend: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_service_no_backend", unitName: "total", helpText:
            "Connections and datagrams refused because the service port had no backend for new flows.")
    }
    static var backendConnections: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_backend_connections", unitName: "total", helpText:
            "New connections sent to a backend (address, port, protocol), over all services it backs.")
    }
    static var serviceBackends: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_service_backends", unitName: "", helpText:
            "Backends of a service port by state: active (takes new flows), terminating (draining) or unhealthy.")
    }
    static var backendHealthy: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_backend_healthy", unitName: "", helpText:
            "1 while a probed backend passes its health checks, 0 once they failed (it takes no new flows).")
    }
    static var provisionalTables: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_service_tables_provisional", unitName: "", helpText:
            "Services balanced by a provisional 1021-slot Maglev table until their full table is swapped in.")
    }
    static var udpSocketsClosed: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_udp_sockets_closed", unitName: "total", helpText:
            "Connected UDP sockets closed because the backend they were translated to left the service.")
    }
}
