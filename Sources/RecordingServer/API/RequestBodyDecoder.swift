import Foundation
import RecordingModels

/// Decodes a JSON request body into a wire type, turning Swift's `DecodingError`
/// into a 400 that names the field and says what was expected, so a client
/// developer can fix the call from the message alone.
enum RequestBodyDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(APIError) -> T {
        guard !body.isEmpty else {
            throw .badRequest(APIErrorCode.invalidJSON, "The request body is empty; send a JSON object.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw describe(error, body: body)
        } catch {
            throw .badRequest(APIErrorCode.invalidJSON, "The request body is not valid JSON.")
        }
    }

    private static func describe(_ error: DecodingError, body: [UInt8]) -> APIError {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .badRequest(APIErrorCode.missingField, "The field `\(field)` is required.")
        case .valueNotFound(_, let context):
            guard !context.codingPath.isEmpty else {
                return .badRequest(APIErrorCode.invalidJSON, "The request body must be a JSON object.")
            }
            return .badRequest(APIErrorCode.missingField, "The field `\(path(context.codingPath))` must not be null.")
        case .typeMismatch(let expected, let context):
            guard !context.codingPath.isEmpty else {
                return .badRequest(APIErrorCode.invalidJSON, "The request body must be a JSON object.")
            }
            return .badRequest(APIErrorCode.invalidField, "The field `\(path(context.codingPath))` must be \(describe(expected)).")
        case .dataCorrupted(let context):
            return corrupted(context, body: body)
        @unknown default:
            return .badRequest(APIErrorCode.invalidJSON, "The request body could not be read.")
        }
    }

    private static func corrupted(_ context: DecodingError.Context, body: [UInt8]) -> APIError {
        guard let last = context.codingPath.last else {
            // Foundation on Linux reports a number that does not fit its field (2.5 or 1e30
            // for an Int) as "not valid JSON" with no coding path; the client needs the field.
            if let field = fieldWithUnfitNumber(body) {
                return .badRequest(APIErrorCode.invalidField, "The field `\(field)` must be a whole number in range.")
            }
            return .badRequest(APIErrorCode.invalidJSON, "The request body is not valid JSON.")
        }
        if last.stringValue == "layout" {
            return .badRequest(APIErrorCode.invalidLayout, "The field `layout` must be one of: \(RecordingLayout.allowedValues).")
        }
        return .badRequest(APIErrorCode.invalidField, "The field `\(path(context.codingPath))` has a value that is not allowed.")
    }

    /// A top-level field of a valid JSON object holding a fraction or a number beyond Int64.
    private static func fieldWithUnfitNumber(_ body: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return nil }
        return object.keys.sorted().first { key in
            guard let number = object[key] as? Double, !(object[key] is Bool) else { return false }
            return number != number.rounded() || abs(number) >= 9.2e18
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        default: "of another type"
        }
    }
}
