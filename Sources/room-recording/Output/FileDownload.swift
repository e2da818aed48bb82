import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Streams a presigned link to a file, reporting progress. The session is separate
/// from the API client's and sends no credentials: the link carries its own signature,
/// and our bearer token must never reach the bucket.
struct FileDownload {
    var configuration: URLSessionConfiguration

    /// Writes to `FILE.part` and moves it into place once complete, so an interrupted
    /// download never looks like a finished file. Returns the number of bytes written.
    func fetch(_ url: URL, to destination: URL, progress: (Int64, Int64?) -> Void) async throws -> Int64 {
        let partial = destination.appendingPathExtension("part")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: partial) else {
            throw CommandFailure(message: "Cannot write \(partial.path).")
        }
        var written: Int64 = 0
        do {
            defer { try? handle.close() }
            for try await chunk in chunks(of: url) {
                try Self.check(chunk.response)
                guard !chunk.data.isEmpty else { continue }
                try handle.write(contentsOf: chunk.data)
                written += Int64(chunk.data.count)
                progress(written, chunk.expected)
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            if let failure = error as? CommandFailure { throw failure }
            throw CommandFailure(message: "Download failed: \(error.localizedDescription)")
        }
        _ = try? FileManager.default.removeItem(at: destination)
        try FileManager.default.moveItem(at: partial, to: destination)
        return written
    }

    private static func check(_ response: URLResponse?) throws {
        guard let http = response as? HTTPURLResponse else { return }
        guard (200..<300).contains(http.statusCode) else {
            // The body would be the bucket's XML error; the status is what a person can act on.
            throw CommandFailure(message: "The bucket refused the download (HTTP \(http.statusCode)); the link may have expired, try again.")
        }
    }

    struct Chunk: Sendable {
        var data: Data
        var expected: Int64?
        var response: URLResponse?
    }

    private func chunks(of url: URL) -> AsyncThrowingStream<Chunk, any Error> {
        AsyncThrowingStream { continuation in
            let delegate = StreamingDelegate(continuation: continuation)
            let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
            let task = session.dataTask(with: url)
            continuation.onTermination = { _ in
                task.cancel()
                session.finishTasksAndInvalidate()
            }
            task.resume()
        }
    }
}

/// Hands URLSession's callbacks to the stream; holds nothing mutable.
private final class StreamingDelegate: NSObject, URLSessionDataDelegate, Sendable {
    let continuation: AsyncThrowingStream<FileDownload.Chunk, any Error>.Continuation

    init(continuation: AsyncThrowingStream<FileDownload.Chunk, any Error>.Continuation) {
        self.continuation = continuation
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        // Content-Length, when the bucket sent one (a chunked reply has none).
        let expected = max(dataTask.countOfBytesExpectedToReceive, dataTask.response?.expectedContentLength ?? -1)
        continuation.yield(FileDownload.Chunk(data: data, expected: expected > 0 ? expected : nil, response: dataTask.response))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            continuation.finish(throwing: error)
            return
        }
        // An empty body still has a status to check.
        continuation.yield(FileDownload.Chunk(data: Data(), expected: nil, response: task.response))
        continuation.finish()
    }
}
