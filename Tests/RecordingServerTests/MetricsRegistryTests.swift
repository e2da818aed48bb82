import Testing

@testable import RecordingServer

@Suite struct MetricsRegistryTests {
    @Test func countersGaugesAndHistogramsRender() {
        let registry = MetricsRegistry()
        registry.increment("requests_total", help: "Requests.", labels: ["route": "/health", "status": "200"])
        registry.increment("requests_total", help: "Requests.", labels: ["route": "/health", "status": "200"])
        registry.set("active", help: "Active.", to: 3)
        registry.observe("latency_seconds", help: "Latency.", value: 0.003, buckets: [0.001, 0.005])
        let text = registry.render()
        #expect(text.contains("# TYPE requests_total counter\nrequests_total{route=\"/health\",status=\"200\"} 2\n"))
        #expect(text.contains("active 3\n"))
        #expect(text.contains("latency_seconds_bucket{le=\"0.001\"} 0\n"))
        #expect(text.contains("latency_seconds_bucket{le=\"0.005\"} 1\n"))
        #expect(text.contains("latency_seconds_bucket{le=\"+Inf\"} 1\n"))
        #expect(text.contains("latency_seconds_count 1\n"))
    }

    /// Buckets are cumulative and inclusive (`le`); a value above every bound counts only in
    /// +Inf, the sum and the count.
    @Test func histogramBucketsAreCumulative() {
        let registry = MetricsRegistry()
        for value in [0.0005, 0.001, 0.003, 0.02, 7] {
            registry.observe("latency_seconds", help: "Latency.", value: value, buckets: [0.001, 0.005, 0.01])
        }
        let text = registry.render()
        #expect(text.contains("""
            latency_seconds_bucket{le="0.001"} 2
            latency_seconds_bucket{le="0.005"} 3
            latency_seconds_bucket{le="0.01"} 3
            latency_seconds_bucket{le="+Inf"} 5
            latency_seconds_sum 7.0245
            latency_seconds_count 5

            """))
    }

    @Test func labelValuesAreEscaped() {
        let registry = MetricsRegistry()
        registry.increment("x_total", help: "X.", labels: ["reason": "say \"hi\"\nback\\slash"])
        #expect(registry.render().contains(#"x_total{reason="say \"hi\"\nback\\slash"} 1"#))
    }

    @Test func httpRequestsCountPerSeriesThroughTheCachedCells() {
        let metrics = ServiceMetrics(version: "test")
        metrics.httpRequest(method: "GET", route: "/health", status: 200, seconds: 0.0002)
        metrics.httpRequest(method: "GET", route: "/health", status: 200, seconds: 0.002)
        metrics.httpRequest(method: "GET", route: "/health", status: 503, seconds: 0.02)
        let text = metrics.registry.render()
        #expect(text.contains(#"recording_api_http_requests_total{method="GET",route="/health",status="200"} 2"#))
        #expect(text.contains(#"recording_api_http_requests_total{method="GET",route="/health",status="503"} 1"#))
        #expect(text.contains(#"recording_api_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/health"} 1"#))
        #expect(text.contains(#"recording_api_http_request_duration_seconds_count{method="GET",route="/health"} 3"#))
        #expect(metrics.registry.value("recording_api_http_requests_total", labels: ["method": "GET", "route": "/health", "status": "200"]) == 2)
    }
}
