/// Holds a secret (API secret, S3 secret key) so that `print`, `dump`, string
/// interpolation and error descriptions of anything containing it show `<redacted>`:
/// default struct descriptions go through reflection and would otherwise print it.
struct Redacted: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String

    init(_ value: String) { self.value = value }

    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}
