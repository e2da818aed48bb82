import Foundation
import LiveKit
import Testing
import TestSupport

/// Real LiveKit tokens for the e2e security suites, signed like a LiveKit back end would
/// sign them (our `LiveKit.AccessToken`; one test also uses Python's livekit-api).
enum Tokens {
    static func participant(
        _ identity: String, room: String, roomJoin: Bool = true, roomRecord: Bool? = nil, roomAdmin: Bool? = nil,
        secret: String = EmulatorProcess.apiSecret, now: Date = Date(), ttl: TimeInterval = 600
    ) -> String {
        var token = AccessToken(apiKey: EmulatorProcess.apiKey, apiSecret: secret)
        token.identity = identity
        token.video = VideoGrant(roomRecord: roomRecord, roomAdmin: roomAdmin, roomJoin: roomJoin, room: room)
        token.ttl = ttl
        return token.toJWT(now: now)
    }

    /// The same claims as a valid token, but `alg: none` and no signature: the classic bypass.
    static func unsigned(_ identity: String, room: String) -> String {
        let valid = participant(identity, room: room).split(separator: ".")
        let header = base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
        return "\(header).\(valid[1])."
    }

    /// A token minted by livekit-api (Python), the SDK most LiveKit back ends use.
    static func fromPython(_ identity: String, room: String) throws -> String {
        let script = """
            import sys
            from livekit import api
            t = api.AccessToken(sys.argv[1], sys.argv[2]).with_identity(sys.argv[3]) \
                .with_grants(api.VideoGrants(room_join=True, room=sys.argv[4]))
            print(t.to_jwt())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.python())
        process.arguments = ["-c", script, EmulatorProcess.apiKey, EmulatorProcess.apiSecret, identity, room]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, token.split(separator: ".").count == 3 else {
            throw PythonTokenError(status: process.terminationStatus)
        }
        return token
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

struct PythonTokenError: Error, CustomStringConvertible {
    let status: Int32
    var description: String { "livekit-api could not mint a token (exit \(status))" }
}

extension TestHTTPClient.Response {
    var code: String? { json["code"] as? String }
}

extension LiveStack {
    /// The audit trail as the operator reads it (newest first), filtered by room when given.
    func auditEntries(room: String? = nil) async throws -> [[String: Any]] {
        var path = "/api/audit?limit=500"
        if let room { path += "&roomName=" + (room.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? room) }
        let response = try await client().get(path)
        #expect(response.status == 200, "\(response.text)")
        return response.json["entries"] as? [[String: Any]] ?? []
    }

    /// Log lines (JSON) of the service whose message contains `text`.
    func logLines(containing text: String) async -> [[String: Any]] {
        await service.settledLog().split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  (object["message"] as? String)?.contains(text) == true else { return nil }
            return object
        }
    }
}

/// Percent-encodes a room name for a query string.
func queryValue(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
}
