import RecordingModels
import Testing

@testable import RecordingServer

/// Found end to end: Foundation on Linux reports 2.5 or 1e30 for an Int field as "not valid
/// JSON" without a coding path, and the API answered `invalid_json` to a valid body.
@Suite("Request bodies: a number that does not fit its field is named")
struct RequestBodyNumberTests {
    @Test(arguments: [
        #"{"roomName":"r","maxDurationSeconds":2.5}"#,
        #"{"roomName":"r","maxDurationSeconds":1e30}"#,
        #"{"roomName":"r","maxDurationSeconds":-1e30}"#,
    ])
    func unfitNumberIsAnInvalidFieldNamingIt(_ body: String) {
        #expect {
            _ = try RequestBodyDecoder.decode(StartRecordingRequest.self, from: Array(body.utf8))
        } throws: { error in
            let error = error as? APIError
            return error?.status == 400 && error?.code == APIErrorCode.invalidField
                && error?.message.contains("`maxDurationSeconds`") == true
        }
    }

    @Test func brokenJSONIsStillInvalidJSON() {
        #expect {
            _ = try RequestBodyDecoder.decode(StartRecordingRequest.self, from: Array(#"{"roomName":"r","maxDurationSeconds":2.5"#.utf8))
        } throws: { error in
            (error as? APIError)?.code == APIErrorCode.invalidJSON
        }
    }
}
