/// A path template such as `/api/recording/status/{egressId}`.
struct RouteTemplate: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let text: String
    let segments: [Segment]

    init(_ text: String) {
        precondition(text.hasPrefix("/"), "a route template starts with /: \(text)")
        self.text = text
        self.segments = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { segment in
            if segment.hasPrefix("{") && segment.hasSuffix("}") && segment.count > 2 {
                return .parameter(String(segment.dropFirst().dropLast()))
            }
            return .literal(String(segment))
        }
    }

    /// Whether `path` (split on `/`, still encoded) fits, without decoding anything.
    /// A parameter never matches an empty segment.
    func matches(_ pathSegments: [Substring]) -> Bool {
        guard pathSegments.count == segments.count else { return false }
        return zip(segments, pathSegments).allSatisfy { segment, value in
            switch segment {
            case .literal(let literal): literal == value
            case .parameter: !value.isEmpty
            }
        }
    }

    /// Literal segments win over parameters, from the left: `/a/list` beats `/a/{id}`.
    func isMoreSpecific(than other: RouteTemplate) -> Bool {
        for (mine, theirs) in zip(segments, other.segments) {
            switch (mine, theirs) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return false
    }

    /// The decoded parameters, or nil when one does not decode.
    func parameters(in pathSegments: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (segment, value) in zip(segments, pathSegments) {
            guard case .parameter(let name) = segment else { continue }
            guard let decoded = PercentDecoding.decode(value, plusAsSpace: false) else { return nil }
            parameters[name] = decoded
        }
        return parameters
    }
}
