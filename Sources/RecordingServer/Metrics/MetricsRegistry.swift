import Foundation
import Synchronization

/// Counters, gauges and histograms with labels, rendered in Prometheus' text
/// exposition format (version 0.0.4). Small on purpose: the service has a few dozen
/// series, so one lock around plain dictionaries finds them; each series has its own
/// small lock so that a caller holding it updates without any lookup.
public final class MetricsRegistry: Sendable {
    typealias Labels = [String: String]

    private struct Family {
        let name: String
        let help: String
        let kind: Kind
        var series: [Labels: Series] = [:]
    }

    enum Kind: String { case counter, gauge, histogram }

    /// Series are cells that callers may keep (`counter(…)`, `histogram(…)`): a hot path
    /// (one update per HTTP request) then skips the family and label lookups.
    private enum Series {
        case value(ValueCell)
        case histogram(HistogramCell)
    }

    /// One counter or gauge value.
    final class ValueCell: Sendable {
        private let value = Mutex(0.0)

        func add(_ amount: Double) { value.withLock { $0 += amount } }
        func set(_ newValue: Double) { value.withLock { $0 = newValue } }
        var current: Double { value.withLock { $0 } }
    }

    /// One histogram: bucket counts, sum and count.
    final class HistogramCell: Sendable {
        struct Snapshot {
            /// Cumulative, as exposed: observations at or below each bound.
            var counts: [UInt64]
            var sum = 0.0
            var count: UInt64 = 0
        }

        let bounds: [Double]
        /// Per bucket only the observations that fell in it: one increment per observation
        /// under the lock both event loops take (every HTTP request), not one per bucket
        /// above it; `snapshot` adds them up.
        private let state: Mutex<Snapshot>

        init(bounds: [Double]) {
            self.bounds = bounds
            state = Mutex(Snapshot(counts: [UInt64](repeating: 0, count: bounds.count)))
        }

        func observe(_ value: Double) {
            let bucket = bounds.firstIndex { value <= $0 }
            state.withLock { state in
                if let bucket { state.counts[bucket] += 1 }
                state.sum += value
                state.count += 1
            }
        }

        var snapshot: Snapshot {
            var snapshot = state.withLock { $0 }
            for index in snapshot.counts.indices.dropFirst() { snapshot.counts[index] += snapshot.counts[index - 1] }
            return snapshot
        }
    }

    /// Latency buckets in seconds: from sub-millisecond hits to LiveKit calls that time out.
    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let families = Mutex<[String: Family]>([:])

    public init() {}

    func counter(_ name: String, help: String, labels: Labels = [:]) -> ValueCell {
        valueCell(name, help: help, kind: .counter, labels: labels)
    }

    func gauge(_ name: String, help: String, labels: Labels = [:]) -> ValueCell {
        valueCell(name, help: help, kind: .gauge, labels: labels)
    }

    func histogram(_ name: String, help: String, labels: Labels = [:], buckets: [Double] = latencyBuckets) -> HistogramCell {
        families.withLock { all in
            if case .histogram(let cell) = all[name]?.series[labels] { return cell }
            let cell = HistogramCell(bounds: buckets)
            all[name, default: Family(name: name, help: help, kind: .histogram)].series[labels] = .histogram(cell)
            return cell
        }
    }

    private func valueCell(_ name: String, help: String, kind: Kind, labels: Labels) -> ValueCell {
        families.withLock { all in
            if case .value(let cell) = all[name]?.series[labels] { return cell }
            let cell = ValueCell()
            // In place: a copy of the family would copy its whole series dictionary.
            all[name, default: Family(name: name, help: help, kind: kind)].series[labels] = .value(cell)
            return cell
        }
    }

    func increment(_ name: String, help: String, labels: Labels = [:], by amount: Double = 1) {
        counter(name, help: help, labels: labels).add(amount)
    }

    func set(_ name: String, help: String, labels: Labels = [:], to value: Double) {
        gauge(name, help: help, labels: labels).set(value)
    }

    func observe(_ name: String, help: String, labels: Labels = [:], value: Double, buckets: [Double] = latencyBuckets) {
        histogram(name, help: help, labels: labels, buckets: buckets).observe(value)
    }

    /// The current value of a counter or gauge series (tests, readiness).
    func value(_ name: String, labels: Labels = [:]) -> Double? {
        let series = families.withLock { $0[name]?.series[labels] }
        guard case .value(let cell) = series else { return nil }
        return cell.current
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
        case .value(let cell):
            return "\(name)\(render(labels)) \(format(cell.current))\n"
        case .histogram(let cell):
            let (buckets, snapshot) = (cell.bounds, cell.snapshot)
            let (counts, sum, count) = (snapshot.counts, snapshot.sum, snapshot.count)
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
