import Foundation

// Decoding protojson the way LiveKit may write it. The open-source server answers
// with proto field names (snake_case), every default present and int64 as strings;
// webhooks use lowerCamelCase with defaults omitted (LIVEKIT.md "Responses",
// "Webhooks"). The protobuf JSON mapping allows both names, int64 as string or
// number, enums by name or number, and `null` for a default; so do we.
// Unknown fields are ignored: EgressInfo echoes its request, S3 secret included,
// and we never decode that part.

struct ProtoKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A protobuf enum, read by name or by number.
protocol ProtoEnum: Sendable {
    init?(protoName: String)
    init?(protoNumber: Int)
    static var protoDefault: Self { get }
}

extension ProtoEnum where Self: RawRepresentable, RawValue == Int, Self: CaseIterable {
    init?(protoNumber: Int) { self.init(rawValue: protoNumber) }
}

extension KeyedDecodingContainer where Key == ProtoKey {
    /// The key present for a field: its proto name (snake_case) or its JSON name (lowerCamelCase).
    /// A `null` value counts as absent, as the protobuf JSON mapping says.
    private func present(_ protoName: String) throws -> ProtoKey? {
        for key in [ProtoKey(protoName), ProtoKey(Self.jsonName(protoName))] where contains(key) {
            return try decodeNil(forKey: key) ? nil : key
        }
        return nil
    }

    /// protoc's json_name rule: drop each underscore and capitalise the letter after it.
    static func jsonName(_ protoName: String) -> String {
        var out = ""
        var upperNext = false
        for character in protoName {
            if character == "_" { upperNext = true; continue }
            out += upperNext ? character.uppercased() : String(character)
            upperNext = false
        }
        return out
    }

    func protoString(_ name: String) throws -> String {
        guard let key = try present(name) else { return "" }
        return try decode(String.self, forKey: key)
    }

    func protoBool(_ name: String) throws -> Bool {
        guard let key = try present(name) else { return false }
        return try decode(Bool.self, forKey: key)
    }

    /// int64/uint32/int32: a JSON number or a decimal string (LiveKit writes int64 as strings).
    func protoInteger<T: FixedWidthInteger & Decodable>(_ name: String, as type: T.Type = Int64.self) throws -> T {
        guard let key = try present(name) else { return 0 }
        if let number = try? decode(T.self, forKey: key) { return number }
        let text = try decode(String.self, forKey: key)
        guard let number = T(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(name) is not an integer of the expected size")
        }
        return number
    }

    func protoEnum<E: ProtoEnum>(_ name: String, as type: E.Type = E.self) throws -> E {
        guard let key = try present(name) else { return E.protoDefault }
        if let text = try? decode(String.self, forKey: key) {
            if let value = E(protoName: text) { return value }
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(name) has an unknown value \(text)")
        }
        let number = try decode(Int.self, forKey: key)
        guard let value = E(protoNumber: number) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(name) has an unknown value \(number)")
        }
        return value
    }

    func protoMessage<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T? {
        guard let key = try present(name) else { return nil }
        return try decode(T.self, forKey: key)
    }

    func protoRepeated<T: Decodable>(_ name: String, of type: T.Type = T.self) throws -> [T] {
        guard let key = try present(name) else { return [] }
        return try decode([T].self, forKey: key)
    }
}

extension Decoder {
    var protoContainer: KeyedDecodingContainer<ProtoKey> {
        get throws { try container(keyedBy: ProtoKey.self) }
    }
}

/// LiveKit's instants: `0` means "not yet" (e.g. `started_at` before the egress is active).
enum ProtoTime {
    static func date(nanoseconds: Int64) -> Date? {
        guard nanoseconds > 0 else { return nil }
        let seconds = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(fraction) / 1e9)
    }

    static func date(seconds: Int64) -> Date? {
        seconds > 0 ? Date(timeIntervalSince1970: TimeInterval(seconds)) : nil
    }

    static func date(milliseconds: Int64) -> Date? {
        milliseconds > 0 ? Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) : nil
    }
}
