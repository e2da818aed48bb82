/// A JSON value whose object members keep their order, so a JWT payload can be
/// written byte-for-byte as LiveKit's Python SDK (PyJWT over `json.dumps`) writes it.
enum JSONValue: Sendable {
    case string(String)
    case bool(Bool)
    case integer(Int64)
    case object([(String, JSONValue)])

    /// Compact, with non-ASCII escaped as `\uXXXX`: Python's `json.dumps(separators=(",", ":"))`
    /// with its default `ensure_ascii=True`, which PyJWT uses.
    var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .string(let text): Self.writeString(text, to: &out)
        case .bool(let flag): out += flag ? "true" : "false"
        case .integer(let number): out += String(number)
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        out += "\""
    }
}
