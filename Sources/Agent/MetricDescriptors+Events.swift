import Prometheus

/// The flow event pipeline's metrics, beside the others in `MetricDescriptors`.
extension MetricDescriptors {
    static var eventsRead: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_events_read", unitName: "total", helpText:
            "Flow and drop events read from the datapath's ring buffer.")
    }
    static var eventsLost: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_events_lost", unitName: "total", helpText:
            "Flow and drop events lost: ringbuffer (full), ratelimit (over the per-CPU rate), "
            + "subscriber (a /v1/flows client read too slowly and was disconnected).")
    }
    static var flowStreams: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "sluice_flow_streams", unitName: "", helpText:
            "Clients following /v1/flows now.")
    }
}

extension FlowEventReader {
    /// Adds the event counters to every scrape of `exporter`.
    func exportMetrics(to exporter: MetricsExporter) {
        let mirror = CounterMirror<String>()
        exporter.addSource { [self] registry in
            let (ringbuf, ratelimit) = datapathLosses()
            let totals: [(String, UInt64)] = [("ringbuffer", ringbuf), ("ratelimit", ratelimit),
                                              ("subscriber", history.eventsLostToSubscribers)]
            for (place, total) in totals {
                mirror.mirror(total, for: place,
                              into: registry.makeCounter(descriptor: MetricDescriptors.eventsLost, labels: [("where", place)]))
            }
            mirror.mirror(history.eventsRead, for: "read", into: registry.makeCounter(descriptor: MetricDescriptors.eventsRead))
            registry.makeGauge(descriptor: MetricDescriptors.flowStreams).set(Double(history.subscriberCount))
        }
    }
}
