import JSONWriting
import RecordingModels

// The server's hot responses written by hand (JSONEncoder cost ~75% of a list request's
// CPU, see bench/README.md). Each body mirrors the type's `Encodable` conformance:
// keys in `.sortedKeys` order (UTF-8 byte order), `null` where the model's
// `encode(to:)` uses `encodeNullable`, the key left out where synthesized Codable uses
// `encodeIfPresent`. Tests/RecordingModelsJSONTests compares the bytes with JSONEncoder's.
// Kept out of RecordingModels so RecordingKit (the iOS SDK) does not carry it.

extension RecordingInfo: JSONWritable {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("audioOnly"); w.bool(audioOnly)
            w.key("egressId"); w.string(egressId)
            w.key("endedAt"); w.epochMilliseconds(orNull: endedAt)
            w.key("error"); w.string(orNull: error)
            w.key("file")
            if let file { file.writeJSON(to: &w) } else { w.null() }
            w.key("layout"); w.string(orNull: layout?.rawValue)
            w.key("roomName"); w.string(roomName)
            w.key("startedAt"); w.epochMilliseconds(startedAt)
            w.key("startedBy"); w.string(orNull: startedBy)
            w.key("status"); w.string(status.rawValue)
            w.key("stoppedBy"); w.string(orNull: stoppedBy)
        }
    }
}

extension RecordingFile: JSONWritable {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("durationMs"); w.integer(orNull: durationMs)
            w.key("key"); w.string(key)
            w.key("missing"); w.bool(missing)
            w.key("size"); w.integer(orNull: size)
        }
    }
}

extension RecordingListResponse: JSONWritable {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("nextCursor"); w.string(orNull: nextCursor)
            w.key("recordings"); w.array(recordings) { w, recording in recording.writeJSON(to: &w) }
            w.key("success"); w.bool(success)
        }
    }

    /// About what one recording takes, so a page is written without regrowing the buffer.
    public var estimatedJSONByteCount: Int { 64 + recordings.count * 400 }
}

extension RecordingStatusResponse: JSONWritable {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("egress"); egress.writeJSON(to: &w)
            w.key("success"); w.bool(success)
        }
    }
}

extension StartRecordingResponse: JSONWritable {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("egressId"); w.string(egressId)
            // Synthesized Codable: absent, not null, when nil.
            if let file { w.key("file"); file.writeJSON(to: &w) }
            if let layout { w.key("layout"); w.string(layout.rawValue) }
            w.key("roomName"); w.string(roomName)
            w.key("startedAt"); w.epochMilliseconds(startedAt)
            w.key("status"); w.string(status.rawValue)
            w.key("success"); w.bool(success)
        }
    }
}

extension StopRecordingResponse: JSONWritable {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("egressId"); w.string(egressId)
            w.key("endedAt"); w.epochMilliseconds(orNull: endedAt)
            w.key("error"); w.string(orNull: error)
            w.key("file")
            if let file { file.writeJSON(to: &w) } else { w.null() }
            w.key("roomName"); w.string(roomName)
            w.key("startedAt"); w.epochMilliseconds(startedAt)
            w.key("status"); w.string(status.rawValue)
            w.key("success"); w.bool(success)
        }
    }
}

extension ErrorResponse: JSONWritable {
    public func writeJSON(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("code"); w.string(code)
            // Synthesized Codable: absent, not null, when nil.
            if let egressId { w.key("egressId"); w.string(egressId) }
            w.key("error"); w.string(error)
            if let retryAfterSeconds { w.key("retryAfterSeconds"); w.integer(retryAfterSeconds) }
            w.key("success"); w.bool(success)
        }
    }
}

extension JSONWriter {
    /// `EpochMilliseconds` goes out as a string of digits (its `encode(to:)`).
    mutating func epochMilliseconds(_ value: EpochMilliseconds) {
        integerString(value.value)
    }

    mutating func epochMilliseconds(orNull value: EpochMilliseconds?) {
        if let value { integerString(value.value) } else { null() }
    }

    mutating func integer(orNull value: Int64?) {
        if let value { integer(value) } else { null() }
    }
}
