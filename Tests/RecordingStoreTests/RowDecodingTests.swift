import Foundation
import Testing

@testable import RecordingStore

/// `query(_:_:decoding:)` reads columns in place; it must read each one exactly as the
/// materialized `SQLRow` of `execute` does: same values, same NULLs, same type errors.
@Suite struct RowDecodingTests {
    /// Every accessor's answer for one column, errors included.
    struct Reading: Equatable, CustomStringConvertible {
        var answers: [String]
        var description: String { answers.joined(separator: " | ") }

        init(_ row: any SQLColumns, _ index: Int) {
            func answer(_ read: () throws -> Any?) -> String {
                do { return "\(try read() as Any)" } catch { return "throws" }
            }
            answers = [
                "\(row.isNull(index))", answer { try row.text(index) }, answer { try row.optionalText(index) },
                answer { try row.integer(index) }, answer { try row.optionalInteger(index) }, answer { try row.bool(index) },
            ]
        }
    }

    static func compare(_ connection: any SQLConnection, _ sql: String, _ parameters: [SQLValue] = []) throws {
        let materialized = try connection.execute(sql, parameters).rows
        let columnCount = try #require(materialized.first).values.count
        let inPlace = try connection.query(sql, parameters) { row in (0..<columnCount).map { Reading(row, $0) } }
        #expect(inPlace == materialized.map { row in (0..<columnCount).map { Reading(row, $0) } })
    }

    @Test func sqliteColumnsReadAsTheMaterializedRow() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("row-decoding-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = try SQLiteConnection(path: directory.appendingPathComponent("rows.db").path)
        try Self.compare(connection, "SELECT 'text', 42, NULL, 0, 1, 1.5, 'Ünïcode ✓', '', -9223372036854775808, x'6869', $1", [.text("bound")])
        try connection.executeScript("CREATE TABLE t (a TEXT, b INTEGER); INSERT INTO t VALUES ('x', 1), (NULL, NULL), ('7', 7)")
        try Self.compare(connection, "SELECT a, b FROM t ORDER BY rowid")
    }

    @Test(.enabled(if: StoreKind.available.contains(.postgres)))
    func postgresColumnsReadAsTheMaterializedRow() async throws {
        let database = try await TestDatabase.create(.postgres)
        defer { Task { try? await database.drop() } }
        let connection = try PostgresConnection(url: database.url, redactedURL: "test")
        try Self.compare(
            connection,
            """
            SELECT 'text'::text, 42::bigint, NULL::text, NULL::bigint, true, false, 7::int4, 3::int2, 'Ünïcode ✓'::text, ''::text,
                '-9223372036854775808'::bigint, 1.5::float8, $1::text
            """, [.text("bound")])
    }
}
