import Foundation

/// A keyset position (`createdAt`/`at` and `id` of the last row of a page), handed out as
/// opaque base64url text. The kind prefix keeps an audit cursor from being taken for a
/// recordings one.
struct PageCursor: Equatable {
    enum Kind: String {
        case recordings = "r"
        case audit = "a"
    }

    var time: Int64
    var id: String

    /// Base64url (RFC 4648 §5) without padding. The alphabet is swapped byte by byte:
    /// three `replacingOccurrences` (NSString, UTF-16) were ~5% of a list request's CPU.
    func encoded(_ kind: Kind) -> String {
        let base64 = Data("\(kind.rawValue):\(time):\(id)".utf8).base64EncodedString()
        return Self.mapped(base64) { byte in
            switch byte {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: byte
            }
        }
    }

    /// Nil for text this store did not produce (wrong alphabet, kind or shape).
    init?(decoding text: String, kind: Kind) {
        var base64 = Self.mapped(text) { byte in
            switch byte {
            case UInt8(ascii: "-"): UInt8(ascii: "+")
            case UInt8(ascii: "_"): UInt8(ascii: "/")
            default: byte
            }
        }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else { return nil }
        let parts = plain.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == kind.rawValue, let time = Int64(parts[1]), !parts[2].isEmpty else { return nil }
        self.time = time
        self.id = String(parts[2])
    }

    init(time: Int64, id: String) {
        self.time = time
        self.id = id
    }

    /// `text` with each UTF-8 byte replaced (or dropped, for nil). Only ASCII is mapped,
    /// so multi-byte characters pass through whole.
    private static func mapped(_ text: String, _ replace: (UInt8) -> UInt8?) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if let replaced = replace(byte) { bytes.append(replaced) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
