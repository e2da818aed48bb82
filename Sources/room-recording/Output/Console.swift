import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where output goes: stdout for results, stderr for messages and progress.
struct Console: Sendable {
    var out: @Sendable (String) -> Void
    var err: @Sendable (String) -> Void
    /// Progress is drawn without a newline, rewritten in place.
    var progress: @Sendable (String) -> Void
    var stdoutIsTerminal: Bool

    static var standard: Console {
        Console(
            out: { print($0) },
            err: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) },
            progress: { text in FileHandle.standardError.write(Data(text.utf8)) },
            stdoutIsTerminal: isatty(STDOUT_FILENO) == 1)
    }
}
