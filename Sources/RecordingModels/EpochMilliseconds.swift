import Foundation

/// An instant on the wire: Unix epoch milliseconds **written as a JSON string**
/// (`"1706356800000"`), as the contract in DESIGN.md fixes. Decoding also accepts
/// a JSON number, so older or hand-written clients are not refused.
public struct EpochMilliseconds: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: Int64

    public init(_ value: Int64) {
        self.value = value
    }

    public init(_ date: Date) {
        self.value = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public var date: Date { Date(timeIntervalSince1970: Double(value) / 1000) }

    public var description: String { String(value) }

    public static func < (lhs: EpochMilliseconds, rhs: EpochMilliseconds) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let parsed = Int64(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "Expected epoch milliseconds as a string of digits, got \"\(text)\".")
            }
            value = parsed
        } else {
            value = try container.decode(Int64.self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(value))
    }
}
