import Foundation

/// Reads typed settings out of the process environment and collects every problem,
/// so a misconfigured deployment is told all that is wrong in one start-up attempt
/// instead of one variable per crash loop. Values of secret variables never appear
/// in a problem's text.
struct EnvironmentReader {
    private let environment: [String: String]
    private(set) var problems: [String] = []

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The trimmed value, or nil when unset or blank.
    func raw(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    mutating func required(_ name: String, _ meaning: String) -> String {
        guard let value = raw(name) else {
            problems.append("\(name) is not set: \(meaning).")
            return ""
        }
        return value
    }

    func string(_ name: String, default fallback: String) -> String {
        raw(name) ?? fallback
    }

    mutating func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        optionalInteger(name, range: range) ?? fallback
    }

    mutating func optionalInteger(_ name: String, range: ClosedRange<Int>) -> Int? {
        guard let text = raw(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            problems.append("\(name)=\(text) is not a whole number from \(range.lowerBound) to \(range.upperBound).")
            return nil
        }
        return value
    }

    mutating func boolean(_ name: String, default fallback: Bool) -> Bool {
        guard let text = raw(name) else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            problems.append("\(name)=\(text) is not a boolean; use true or false.")
            return fallback
        }
    }

    /// One of `allowed` (case-insensitive), or the default.
    mutating func choice<T>(_ name: String, default fallback: T, _ allowed: [String: T]) -> T {
        guard let text = raw(name) else { return fallback }
        guard let value = allowed[text.lowercased()] else {
            problems.append("\(name)=\(text) is not one of: \(allowed.keys.sorted().joined(separator: ", ")).")
            return fallback
        }
        return value
    }

    /// An absolute http(s) URL; `ws`/`wss` are read as `http`/`https` when `acceptWebSocket`.
    mutating func url(_ name: String, required isRequired: Bool, acceptWebSocket: Bool = false, meaning: String) -> URL? {
        guard let text = raw(name) else {
            if isRequired { problems.append("\(name) is not set: \(meaning).") }
            return nil
        }
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), components.host?.isEmpty == false else {
            problems.append("\(name)=\(text) is not an absolute URL such as https://host:port.")
            return nil
        }
        switch scheme {
        case "http", "https": break
        case "ws" where acceptWebSocket: components.scheme = "http"
        case "wss" where acceptWebSocket: components.scheme = "https"
        default:
            let schemes = acceptWebSocket ? "http, https, ws or wss" : "http or https"
            problems.append("\(name)=\(text) has scheme \(scheme); use \(schemes).")
            return nil
        }
        return components.url
    }

    mutating func problem(_ text: String) {
        problems.append(text)
    }
}

/// Start-up stops with this when the environment is incomplete or malformed.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]

    public var description: String {
        "The configuration is not usable:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
            + "\nSee docs/operations.md for every variable and its default."
    }
}
