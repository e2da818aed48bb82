import RecordingModels

/// The default store: one SQLite file (WAL mode), good for a single replica.
public struct SQLiteRecordingStore: SQLBackedRecordingStore {
    let store: SQLRecordingStore

    /// Opens or creates the file at `path` (relative to the working directory, or absolute),
    /// creating its directory when missing. Call `migrate()` before use.
    public init(path: String) throws {
        do {
            store = SQLRecordingStore(database: try SQLiteDatabase(path: path), name: "SQLite \(path)")
        } catch let failure as DatabaseFailure {
            throw RecordingStoreError.unavailable(failure.description)
        }
    }
}
