import Foundation

/// The options every command takes, from flags first and the environment second.
struct GlobalOptions: Equatable {
    static let defaultURL = "http://localhost:3000"

    var baseURL: URL
    /// Never printed: only handed to the client.
    var token: String?
    var json: Bool
    var help: Bool

    /// Takes the global options out of `arguments`, wherever they are.
    static func parse(_ arguments: inout ArgumentList, environment: [String: String]) throws(UsageError) -> GlobalOptions {
        let help = arguments.flag("--help", "-h")
        let json = arguments.flag("--json")
        let urlText = try arguments.value("--url") ?? environment["RECORDING_API_URL"].nonEmpty ?? defaultURL
        let token = try arguments.value("--token") ?? environment["RECORDING_API_TOKEN"].nonEmpty
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw UsageError("The API URL must be http(s)://host[:port], not \"\(urlText)\" (--url or RECORDING_API_URL).")
        }
        return GlobalOptions(baseURL: url, token: token, json: json, help: help)
    }
}

extension Optional where Wrapped == String {
    /// An empty environment variable counts as unset.
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
