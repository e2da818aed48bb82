import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TestSupport

/// Runs the built `room-recording` as a separate process, the way an operator does.
///
/// posix_spawn + waitpid rather than Foundation's `Process`: its `waitUntilExit` was seen
/// to hang for short-lived children on Linux. Output goes to files, not pipes, so a
/// chatty child can never block on a full pipe, and the wait polls with WNOHANG so the
/// test's cooperative thread is never parked in a syscall.
enum CLIProcess {
    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
    }

    static var executable: URL {
        if let path = TestEnvironment.variables["TEST_ROOM_RECORDING_BIN"] { return URL(fileURLWithPath: path) }
        return TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/room-recording")
    }

    /// - Parameter environment: the child's whole environment (nothing inherited, so no
    ///   RECORDING_API_* of the machine running the tests leaks in).
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 30) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outPath = directory.appendingPathComponent("stdout").path
        let errPath = directory.appendingPathComponent("stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let path = executable.path
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        env.merge(environment) { _, new in new }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw CLIProcessError.spawn(path: path, errno: spawned) }

        let status = try await wait(for: pid, timeout: timeout)
        return Result(
            status: status,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    private static func wait(for pid: pid_t, timeout: TimeInterval) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { throw CLIProcessError.wait(errno: errno) }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw CLIProcessError.timedOut(seconds: timeout)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import (they are macros).
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

enum CLIProcessError: Error, CustomStringConvertible {
    case spawn(path: String, errno: Int32)
    case wait(errno: Int32)
    case timedOut(seconds: TimeInterval)

    var description: String {
        switch self {
        case .spawn(let path, let code): "could not start \(path) (errno \(code)): run `swift build` first"
        case .wait(let code): "waitpid failed (errno \(code))"
        case .timedOut(let seconds): "room-recording did not exit within \(seconds) s"
        }
    }
}
