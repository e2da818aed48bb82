import RecordingStore
import Testing

@Suite struct DatabaseURLTests {
    @Test(arguments: [
        ("sqlite://data/recordings.db", DatabaseURL.sqlite(path: "data/recordings.db")),
        ("sqlite:///var/lib/recording-api/recordings.db", .sqlite(path: "/var/lib/recording-api/recordings.db")),
        ("sqlite://recordings.db", .sqlite(path: "recordings.db")),
        ("  sqlite://with space/r.db ", .sqlite(path: "with space/r.db")),
        ("postgres://user:secret@db.example:5432/recordings",
         .postgres(url: "postgres://user:secret@db.example:5432/recordings", redacted: "postgres://user:***@db.example:5432/recordings")),
        ("postgresql://user@127.0.0.1/recordings?sslmode=require",
         .postgres(url: "postgresql://user@127.0.0.1/recordings?sslmode=require", redacted: "postgresql://user@127.0.0.1/recordings?sslmode=require")),
        ("postgres://u:p%40ss@h/db", .postgres(url: "postgres://u:p%40ss@h/db", redacted: "postgres://u:***@h/db")),
        // libpq takes the password as a parameter too.
        ("postgres://u@h/db?sslmode=require&password=s3cret&sslpassword=k3y",
         .postgres(url: "postgres://u@h/db?sslmode=require&password=s3cret&sslpassword=k3y",
                   redacted: "postgres://u@h/db?sslmode=require&password=***&sslpassword=***")),
    ])
    func acceptedURLs(text: String, expected: DatabaseURL) throws {
        #expect(try DatabaseURL(parsing: text) == expected)
    }

    @Test(arguments: [
        ("", "is empty"),
        ("sqlite://", "names no database file"),
        ("sqlite://data/", "names no database file"),
        ("mysql://root:hunter2@localhost/db", "unsupported scheme \"mysql\""),
        ("data/recordings.db", "is not a URL"),
        ("postgres://user:hunter2@:5432/db", "has no host"),
        ("postgres://user:hunter2@host:5432", "names no database"),
        ("postgres://user:hunter2@host:5432/", "names no database"),
        ("postgres://user:hunter2@host:99999/db", "port"),
        ("postgres://user:hunter2@host:abc/db", "not a valid postgres:// URL"),
    ])
    func refusedURLsNameTheVariableAndTheProblemButNotThePassword(text: String, problem: String) {
        #expect {
            _ = try DatabaseURL(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("DATABASE_URL ") && message.contains(problem) && !message.contains("hunter2")
        }
    }

    @Test func descriptionIsSafeToLog() throws {
        let url = try DatabaseURL(parsing: "postgres://app:s3cr3t@db:5432/recordings")
        #expect(!url.description.contains("s3cr3t"))
        #expect(url.description.contains("db:5432/recordings"))
    }

    @Test func factoryBuildsTheStoreTheURLNames() throws {
        #expect(try RecordingStoreFactory.makeStore(databaseURL: "postgres://u:p@127.0.0.1:1/db") is PostgresRecordingStore)
        #expect(throws: DatabaseURLError.self) { try RecordingStoreFactory.makeStore(databaseURL: "redis://x") }
    }
}
