import Foundation
import Testing
@testable import LiveKit

@Suite struct LiveKitConnectionTests {
    @Test(arguments: [
        ("ws://localhost:7880", "http://localhost:7880"),
        ("wss://livekit.example.org", "https://livekit.example.org"),
        ("wss://livekit.example.org/", "https://livekit.example.org"),
        ("http://10.0.0.5:7880/", "http://10.0.0.5:7880"),
        ("https://host/livekit/", "https://host/livekit"),
        ("https://host/livekit", "https://host/livekit"),
        ("WSS://Host.Example.org:443//", "https://Host.Example.org:443"),
        ("ws://[::1]:7880", "http://[::1]:7880"),
        (" https://host ", "https://host"),
    ])
    func normalises(_ input: String, _ expected: String) throws {
        #expect(try LiveKitConnection.httpBaseURL(from: input).absoluteString == expected)
    }

    @Test func endpointKeepsPathPrefix() throws {
        let connection = try LiveKitConnection(url: "https://host/livekit/", apiKey: "k", apiSecret: "s")
        #expect(connection.endpoint(service: "Egress", method: "StopEgress").absoluteString == "https://host/livekit/twirp/livekit.Egress/StopEgress")
    }

    @Test(arguments: ["ftp://host", "host:7880", "localhost", "", "https://", "https://user:pw@host", "https://host?x=1", "https://host/#a"])
    func rejects(_ input: String) {
        #expect(throws: LiveKitError.self) { try LiveKitConnection.httpBaseURL(from: input) }
    }

    @Test func rejectionSaysWhy() {
        #expect(throws: LiveKitError.invalidURL("scheme ftp is not one of ws, wss, http, https")) { try LiveKitConnection.httpBaseURL(from: "ftp://host") }
    }

    @Test func secretStaysOutOfDescriptions() throws {
        let connection = try LiveKitConnection(url: "wss://host", apiKey: "APIkey", apiSecret: "very-secret-value")
        var dumped = ""
        dump(connection, to: &dumped)
        #expect(!dumped.contains("very-secret-value"))
        #expect(!String(describing: connection).contains("very-secret-value"))
    }
}
