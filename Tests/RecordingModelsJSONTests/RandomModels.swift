import RecordingModels

/// Random but reproducible model values, biased towards what JSON escaping gets wrong.
struct RandomModels {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// Pieces a string is glued from: Matrix ids, every character JSON must escape, the
    /// ones it must not (`/`, DEL, U+2028/2029), multi-byte UTF-8 up to U+10FFFF.
    static let pieces: [String] = [
        "", "!abc123:example.org", "@alice:matrix.org", "EG_", "recordings/room_x.mp4", " ",
        "\"", "\\", "/", "\\/", "\u{7F}", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{FFFD}", "\u{FFFF}", "\u{10FFFF}",
        "é", "ünïcødé", "漢字", "😀", "👩🏽‍💻", "🇸🇪", "e\u{301}", "\r\n",
    ] + (0..<0x20).map { String(Unicode.Scalar(UInt8($0))) }

    mutating func string() -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            text += Self.pieces.randomElement(using: &generator)!
        }
        return text
    }

    mutating func optional<T>(_ make: (inout RandomModels) -> T) -> T? {
        Bool.random(using: &generator) ? make(&self) : nil
    }

    /// Extremes and signs as well as plausible instants.
    mutating func int64() -> Int64 {
        switch Int.random(in: 0..<6, using: &generator) {
        case 0: [Int64.min, Int64.max, 0, -1, 1, 1_706_356_800_000].randomElement(using: &generator)!
        case 1: Int64.random(in: Int64.min...Int64.max, using: &generator)
        case 2: -Int64.random(in: 0...1_000_000_000_000_000, using: &generator)
        default: Int64.random(in: 1_600_000_000_000...1_900_000_000_000, using: &generator)
        }
    }

    mutating func epochMilliseconds() -> EpochMilliseconds { EpochMilliseconds(int64()) }

    mutating func file() -> RecordingFile {
        RecordingFile(
            key: string(), size: optional { $0.int64() }, durationMs: optional { $0.int64() },
            missing: Bool.random(using: &generator))
    }

    mutating func recording() -> RecordingInfo {
        RecordingInfo(
            egressId: string(), roomName: string(), status: RecordingStatus.allCases.randomElement(using: &generator)!,
            startedAt: epochMilliseconds(), endedAt: optional { $0.epochMilliseconds() }, error: optional { $0.string() },
            layout: optional { RecordingLayout.allCases.randomElement(using: &$0.generator)! },
            audioOnly: Bool.random(using: &generator), file: optional { $0.file() },
            startedBy: optional { $0.string() }, stoppedBy: optional { $0.string() })
    }

    mutating func list() -> RecordingListResponse {
        let count = Int.random(in: 0...4, using: &generator)
        return RecordingListResponse(recordings: (0..<count).map { _ in recording() }, nextCursor: optional { $0.string() })
    }

    mutating func error() -> ErrorResponse {
        ErrorResponse(
            code: string(), error: string(), egressId: optional { $0.string() },
            retryAfterSeconds: optional { Int(truncatingIfNeeded: $0.int64()) })
    }
}
