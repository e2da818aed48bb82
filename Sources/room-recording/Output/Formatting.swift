import Foundation
import RecordingModels

/// How values read in human output: local times, sizes, durations.
struct Formatting: Sendable {
    var timeZone: TimeZone

    /// Epoch milliseconds as local time, `2024-01-27 13:00:00`; `-` for unknown.
    func time(_ instant: EpochMilliseconds?) -> String {
        guard let instant else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: instant.date)
    }

    /// Decimal units, one decimal: `1.2 MB`.
    func size(_ bytes: Int64?) -> String {
        guard let bytes else { return "-" }
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// `1:02:03` or `2:03`.
    func duration(milliseconds: Int64?) -> String {
        guard let milliseconds else { return "-" }
        let seconds = milliseconds / 1000
        let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        return hours > 0
            ? String(format: "%lld:%02lld:%02lld", hours, minutes, rest)
            : String(format: "%lld:%02lld", minutes, rest)
    }

    func recordingsTable(_ recordings: [RecordingInfo]) -> TextTable {
        TextTable(
            headers: ["EGRESS ID", "ROOM", "STATUS", "STARTED", "ENDED", "DURATION", "SIZE"],
            rows: recordings.map { recording in
                [recording.egressId, recording.roomName, recording.status.rawValue, time(recording.startedAt), time(recording.endedAt),
                 duration(milliseconds: recording.file?.durationMs), recording.file?.missing == true ? "missing" : size(recording.file?.size)]
            })
    }

    func roomsTable(_ rooms: [RoomSummary]) -> TextTable {
        TextTable(
            headers: ["ROOM", "PARTICIPANTS", "RECORDING", "EGRESS ID"],
            rows: rooms.map { room in
                let names = room.participants.isEmpty ? "" : " (\(room.participants.joined(separator: ", ")))"
                return [room.name, "\(room.numParticipants)\(names)", room.recording ? "yes" : "no", room.egressId ?? "-"]
            })
    }
}
