// swift-tools-version:6.0
// Recording API: starts and stops LiveKit room-composite egress recordings and
// keeps their history. No package outside the toolchain: C libraries from Debian
// come in through the systemLibrary targets below (see ../shared/DESIGN.md).
import PackageDescription

let package = Package(
    name: "recording-api",
    // iOS 15 is the app's floor for RecordingKit (Observation is gated by availability there).
    platforms: [.macOS(.v14), .iOS(.v15)],
    products: [
        .executable(name: "recording-api", targets: ["recording-api"]),
        .executable(name: "room-recording", targets: ["room-recording"]),
        .library(name: "RecordingKit", targets: ["RecordingKit"]),
    ],
    targets: [
        // MARK: C libraries (one wrapper module each imports them)
        .systemLibrary(
            name: "CLibEvent", path: "Sources/CLibEvent",
            pkgConfig: "libevent_pthreads",
            providers: [.apt(["libevent-dev"])]),
        .systemLibrary(
            name: "CCrypto", path: "Sources/CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        // glibc's allocator knobs (part of libc: nothing to install or link).
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // MARK: Foundations
        .target(name: "Logging"),
        .target(name: "Crypto", dependencies: ["CCrypto"]),
        // Hand-written JSON for hot responses; pure Swift, no Foundation.
        .target(name: "JSONWriting"),
        // Readiness waits on the current thread's event loop (libpq's socket on the HTTP loop).
        .target(name: "DescriptorWaiting"),
        .target(name: "HTTPServer", dependencies: ["CLibEvent", "Logging", "JSONWriting", "DescriptorWaiting"]),
        // Outbound HTTP/1.1 on the same libevent (evhttp's client half), for LiveKit's API.
        .target(name: "HTTPClient", dependencies: ["CLibEvent"]),

        // MARK: Clients of the outside world
        .target(name: "LiveKit", dependencies: ["Crypto", "HTTPClient", "Logging"]),
        .target(name: "S3", dependencies: ["Crypto", "Logging"]),

        // MARK: The product
        .target(name: "RecordingModels"),
        // The server's hand-written encodings of the models; RecordingKit does not need them.
        .target(name: "RecordingModelsJSON", dependencies: ["RecordingModels", "JSONWriting"]),
        .target(name: "RecordingStore", dependencies: ["CSQLite", "CLibPQ", "RecordingModels", "Logging", "DescriptorWaiting"]),
        .target(
            name: "RecordingService",
            dependencies: ["LiveKit", "S3", "RecordingStore", "RecordingModels", "Logging"]),
        .target(
            name: "RecordingServer",
            dependencies: ["RecordingService", "HTTPServer", "LiveKit", "S3", "RecordingStore", "RecordingModels", "RecordingModelsJSON", "Logging", "Crypto"],
            // One file, readable in the repo and compiled into the binary, so /openapi.json cannot drift from it.
            resources: [.embedInCode("OpenAPI/openapi.json")]),
        .executableTarget(
            name: "recording-api",
            dependencies: ["RecordingServer", .target(name: "CMalloc", condition: .when(platforms: [.linux]))]),

        // MARK: Clients of the Recording API (must compile for iOS: no C, no Glibc)
        .target(name: "RecordingKit", dependencies: ["RecordingModels"]),
        .executableTarget(name: "room-recording", dependencies: ["RecordingKit"]),

        // MARK: Benchmarks (bench/README.md)
        .executableTarget(name: "livekit-client-bench", dependencies: ["LiveKit"], path: "bench/LiveKitClientBench"),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: ["RecordingStore", "RecordingService", "RecordingModels", "LiveKit", "S3", "Logging"],
            path: "Tests/TestSupport"),
        .testTarget(name: "LoggingTests", dependencies: ["Logging"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "Logging", "DescriptorWaiting", "CLibEvent"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "Logging"]),
        .testTarget(name: "LiveKitTests", dependencies: ["LiveKit", "Crypto", "HTTPServer", "TestSupport"]),
        .testTarget(name: "S3Tests", dependencies: ["S3", "Crypto", "TestSupport"]),
        .testTarget(name: "RecordingModelsTests", dependencies: ["RecordingModels"]),
        .testTarget(name: "RecordingModelsJSONTests", dependencies: ["RecordingModelsJSON", "JSONWriting", "RecordingModels"]),
        .testTarget(name: "RecordingStoreTests", dependencies: ["RecordingStore", "RecordingModels", "TestSupport", "HTTPServer"]),
        .testTarget(name: "RecordingServiceTests", dependencies: ["RecordingService", "RecordingStore", "RecordingModels", "LiveKit", "TestSupport"]),
        .testTarget(name: "RecordingServerTests", dependencies: ["RecordingServer", "HTTPServer", "RecordingService", "RecordingModels", "RecordingStore", "LiveKit", "Crypto", "Logging", "TestSupport"]),
        .testTarget(name: "RecordingKitTests", dependencies: ["RecordingKit", "RecordingModels", "RecordingModelsJSON", "TestSupport", "room-recording"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["RecordingServer", "RecordingKit", "RecordingModels", "LiveKit", "S3", "RecordingStore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
