import Foundation
import RecordingModels
import Testing

@testable import RecordingServer

@Suite("The OpenAPI document")
struct OpenAPIDocumentTests {
    let document: [String: Any] = {
        (try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes))) as? [String: Any] ?? [:]
    }()

    @Test func isOpenAPI31WithTheContractPaths() throws {
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        for path in ["/health", "/api/recording/start", "/api/recording/stop", "/api/recording/status/{egressId}", "/api/recording/list",
                     "/api/recording/layout", "/api/recording/download/{egressId}", "/api/recording/{egressId}", "/api/rooms",
                     "/api/audit", "/webhooks/livekit", "/ready", "/metrics", "/openapi.json"] {
            #expect(paths[path] != nil, "missing \(path)")
        }
    }

    /// The document's enums are the Swift enums: a new status or layout cannot be forgotten in one place.
    @Test func enumsMatchTheWireTypes() throws {
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let statuses = (schemas["RecordingStatus"] as? [String: Any])?["enum"] as? [String]
        let layouts = (schemas["RecordingLayout"] as? [String: Any])?["enum"] as? [String]
        #expect(statuses == RecordingStatus.allCases.map(\.rawValue))
        #expect(layouts == RecordingLayout.allCases.map(\.rawValue))
    }

    @Test func contractFieldsAreRequired() throws {
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func required(_ name: String) -> Set<String> {
            Set(((schemas[name] as? [String: Any])?["required"] as? [String]) ?? [])
        }
        #expect(required("StartRecordingResponse").isSuperset(of: ["success", "egressId", "status", "roomName", "startedAt"]))
        #expect(required("StopRecordingResponse").isSuperset(of: ["success", "egressId", "status", "endedAt"]))
        #expect(required("RecordingInfo").isSuperset(of: ["egressId", "roomName", "status", "startedAt", "endedAt", "error"]))
        #expect(required("Error") == ["success", "code", "error"])
    }
}
