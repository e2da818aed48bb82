import RecordingModels
import Testing

@testable import RecordingServer

/// Bodies from a hostile or broken client: the 400's message must still tell a person what to send.
@Suite("Adversarial request bodies")
struct AdversarialBodyTests {
    @Test(arguments: ["null", " null ", "true", "0"])
    func aTopLevelScalarAsksForAnObject(body: String) {
        #expect {
            try RequestBodyDecoder.decode(StartRecordingRequest.self, from: Array(body.utf8))
        } throws: { error in
            guard let error = error as? APIError else { return false }
            // Not "The field `` must not be null.": there is no field to name.
            return error.status == 400 && error.code == APIErrorCode.invalidJSON && error.message.contains("JSON object")
                && !error.message.contains("``")
        }
    }

    @Test(arguments: [#"{"roomName":"\ud800"}"#, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["])
    func aLoneSurrogateOrDeepNestingIsInvalidJSON(body: String) {
        #expect {
            try RequestBodyDecoder.decode(StartRecordingRequest.self, from: Array(body.utf8))
        } throws: { error in
            (error as? APIError).map { $0.status == 400 && $0.code == APIErrorCode.invalidJSON } ?? false
        }
    }
}
