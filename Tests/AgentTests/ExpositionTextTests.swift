@testable import Agent
import Prometheus
import Testing

/// Families written as text must read as the registry's would.
struct ExpositionTextTests {
    static var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: "sluice_test_things", unitName: "total",
                                                 helpText: "Things, counted with a \\ in the help.") }

    @Test func aFamilyHasItsHelpTypeAndOneLinePerSample() {
        var text = ExpositionText()
        text.family(Self.descriptor, type: "counter", samples: [
            (ExpositionText.labels([("namespace", "shop"), ("service", "web")]), UInt64(3)),
            (ExpositionText.labels([("namespace", "shop"), ("service", "api")]), UInt64(0)),
        ])
        #expect(String(decoding: text.bytes, as: UTF8.self) == """
            # HELP sluice_test_things_total Things, counted with a \\\\ in the help.
            # TYPE sluice_test_things_total counter
            sluice_test_things_total{namespace="shop",service="web"} 3
            sluice_test_things_total{namespace="shop",service="api"} 0

            """)
    }

    @Test func aFamilyWithoutSamplesWritesNothing() {
        var text = ExpositionText()
        text.family(Self.descriptor, type: "gauge", samples: [(labels: String, value: UInt64)]())
        #expect(text.bytes.isEmpty)
    }

    @Test func aSampleWithoutLabelsHasNoBraces() {
        var text = ExpositionText()
        text.family(Self.descriptor, type: "counter", samples: [(labels: "", value: UInt64(2))])
        #expect(String(decoding: text.bytes, as: UTF8.self).hasSuffix("\nsluice_test_things_total 2\n"))
    }

    @Test func labelValuesAreEscaped() {
        #expect(ExpositionText.labels([("a", "x\"y\\z\nw")]) == #"a="x\"y\\z\nw""#)
    }
}
