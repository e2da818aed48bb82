/// `Content-Disposition: attachment` for a download, readable by every browser and
/// download manager whatever the room name holds (RFC 6266 §4.3, RFC 8187 / 5987):
/// `filename` is a plain-ASCII fallback, `filename*` carries the real name in UTF-8.
public enum ContentDisposition {
    public static func attachment(fileName: String) -> String {
        "attachment; filename=\"\(asciiFallback(fileName))\"; filename*=UTF-8''\(extendedValue(fileName))"
    }

    /// Printable ASCII except what would break the quoted string (`"`, `\`), what
    /// agents treat as a path or an escape (`/`, `%`) and what Windows forbids in a
    /// file name (`:*?<>|`); everything else becomes `_`.
    static func asciiFallback(_ fileName: String) -> String {
        let forbidden = Set("\"\\/%:*?<>|".unicodeScalars)
        let mapped = String(String.UnicodeScalarView(fileName.unicodeScalars.map { scalar in
            (0x20..<0x7F).contains(scalar.value) && !forbidden.contains(scalar) ? scalar : "_"
        }))
        return mapped.isEmpty ? "download" : mapped
    }

    /// RFC 8187 §3.2.1 `value-chars`: `attr-char` literal, every other UTF-8 byte `%XX`.
    static func extendedValue(_ fileName: String) -> String {
        var result = ""
        for byte in (fileName.isEmpty ? "download" : fileName).utf8 {
            if isAttrChar(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded()
            }
        }
        return result
    }

    private static func isAttrChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$&+-.^_`|~".utf8.contains(byte)
        }
    }
}

private extension String {
    func leftPadded() -> String { count == 1 ? "0" + self : self }
}
