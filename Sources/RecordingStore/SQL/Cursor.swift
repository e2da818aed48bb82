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

    func encoded(_ kind: Kind) -> String {
        Data("\(kind.rawValue):\(time):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Nil for text this store did not produce (wrong alphabet, kind or shape).
    init?(decoding text: String, kind: Kind) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
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
}
