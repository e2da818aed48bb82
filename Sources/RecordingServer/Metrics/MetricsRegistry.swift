import Foundation
import Synchronization

/// Counters, gauges and histograms with labels, rendered in Prometheus' text
/// exposition format (version 0.0.4). Small on purpose: the service has a few dozen
/// series, so one lock around plain dictionaries is cheaper than anything clever.
public final class MetricsRegistry: Sendable {
    typealias Labels = [String: String]

    private struct Family {
        let name: String
        let help: String
        let kind: Kind
        var series: [Labels: Series] = [:]
    }

    enum Kind: String { case counter, gauge, histogram }

    private enum Series {
        case value(Double)
        case histogram(buckets: [Double], counts: [UInt64], sum: Double, count: UInt64)
    }

    /// Latency buckets in seconds: from sub-millisecond hits to LiveKit calls that time out.
    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let families = Mutex<[String: Family]>([:])

    public init() {}

    func increment(_ name: String, help: String, labels: Labels = [:], by amount: Double = 1) {
        families.withLock { all in
            var family = all[name] ?? Family(name: name, help: help, kind: .counter)
            if case .value(let current) = family.series[labels] {
                family.series[labels] = .value(current + amount)
            } else {
                family.series[labels] = .value(amount)
            }
            all[name] = family
        }
    }

    func set(_ name: String, help: String, labels: Labels = [:], to value: Double) {
        families.withLock { all in
            var family = all[name] ?? Family(name: name, help: help, kind: .gauge)
            family.series[labels] = .value(value)
            all[name] = family
        }
    }

    func observe(_ name: String, help: String, labels: Labels = [:], value: Double, buckets: [Double] = latencyBuckets) {
        families.withLock { all in
            var family = all[name] ?? Family(name: name, help: help, kind: .histogram)
            var (bounds, counts, sum, count) = (buckets, [UInt64](repeating: 0, count: buckets.count), 0.0, UInt64(0))
            if case .histogram(let b, let c, let s, let n) = family.series[labels] {
                (bounds, counts, sum, count) = (b, c, s, n)
            }
            for (index, bound) in bounds.enumerated() where value <= bound { counts[index] += 1 }
            family.series[labels] = .histogram(buckets: bounds, counts: counts, sum: sum + value, count: count + 1)
            all[name] = family
        }
    }

    /// The current value of a counter or gauge series (tests, readiness).
    func value(_ name: String, labels: Labels = [:]) -> Double? {
        families.withLock { all in
            guard case .value(let value) = all[name]?.series[labels] else { return nil }
            return value
        }
    }

    /// Everything, in the text exposition format, families and series in a stable order.
    public func render() -> String {
        let snapshot = families.withLock { $0 }
        var out = ""
        for family in snapshot.values.sorted(by: { $0.name < $1.name }) {
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            for (labels, series) in family.series.sorted(by: { Self.render($0.key) < Self.render($1.key) }) {
                out += Self.render(family.name, labels, series)
            }
        }
        return out
    }

    private static func render(_ name: String, _ labels: Labels, _ series: Series) -> String {
        switch series {
        case .value(let value):
            return "\(name)\(render(labels)) \(format(value))\n"
        case .histogram(let buckets, let counts, let sum, let count):
            var lines = ""
            for (bound, bucketCount) in zip(buckets, counts) {
                lines += "\(name)_bucket\(render(labels.merging(["le": format(bound)]) { a, _ in a })) \(bucketCount)\n"
            }
            lines += "\(name)_bucket\(render(labels.merging(["le": "+Inf"]) { a, _ in a })) \(count)\n"
            lines += "\(name)_sum\(render(labels)) \(format(sum))\n"
            lines += "\(name)_count\(render(labels)) \(count)\n"
            return lines
        }
    }

    private static func render(_ labels: Labels) -> String {
        guard !labels.isEmpty else { return "" }
        let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escape($0.value))\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    /// Label values escape backslash, double quote and newline (exposition format spec).
    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func format(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
