/// An access key pair. Printing it never shows the secret, and only the first
/// characters of the access key id (enough to tell two configurations apart).
public struct SigV4Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String

    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public var description: String { "SigV4Credentials(accessKeyID: \(Self.redacted(accessKeyID)), secretAccessKey: <redacted>)" }
    public var debugDescription: String { description }

    static func redacted(_ accessKeyID: String) -> String {
        accessKeyID.count <= 4 ? "****" : "\(accessKeyID.prefix(4))…"
    }
}
