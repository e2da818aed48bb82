import RecordingModels
import Testing

@testable import RecordingServer

@Suite("Request bodies: every bad input is a 400 that names the field")
struct RequestBodyDecoderTests {
    @Test func validStartRequest() throws {
        let request = try RequestBodyDecoder.decode(
            StartRecordingRequest.self, from: Array(#"{"roomName":"!abc123:example.org","layout":"speaker-light"}"#.utf8))
        #expect(request.roomName == "!abc123:example.org")
        #expect(request.layout == .speakerLight)
    }

    @Test(arguments: [
        ("", APIErrorCode.invalidJSON, "empty"),
        ("{", APIErrorCode.invalidJSON, "valid JSON"),
        ("[1,2]", APIErrorCode.invalidJSON, "JSON object"),
        ("\"text\"", APIErrorCode.invalidJSON, "JSON object"),
        ("{}", APIErrorCode.missingField, "`roomName`"),
        (#"{"roomName":null}"#, APIErrorCode.missingField, "`roomName`"),
        (#"{"roomName":42}"#, APIErrorCode.invalidField, "`roomName` must be a string"),
        (#"{"roomName":"r","layout":"mosaic"}"#, APIErrorCode.invalidLayout, "grid-dark, grid-light, speaker-dark, speaker-light"),
        (#"{"roomName":"r","layout":7}"#, APIErrorCode.invalidField, "`layout` must be a string"),
        (#"{"roomName":"r","audioOnly":"yes"}"#, APIErrorCode.invalidField, "`audioOnly` must be true or false"),
        (#"{"roomName":"r","maxDurationSeconds":"600"}"#, APIErrorCode.invalidField, "`maxDurationSeconds` must be a number"),
    ])
    func rejected(body: String, code: String, messagePart: String) {
        #expect {
            try RequestBodyDecoder.decode(StartRecordingRequest.self, from: Array(body.utf8))
        } throws: { error in
            guard let error = error as? APIError else { return false }
            return error.status == 400 && error.code == code && error.message.contains(messagePart)
        }
    }
}
