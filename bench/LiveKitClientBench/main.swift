// bench/LiveKitClientBench: one LiveKit call through each transport, alternated in one
// process so both see the same machine, plus the cost of minting a token.
//
//     swift build -c release --product livekit-client-bench
//     LIVEKIT_URL=http://127.0.0.1:7880 LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=… \
//         .build/release/livekit-client-bench [calls]
//
// ListRooms is the call: the same work in the emulator whatever the transport.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LiveKit

let environment = ProcessInfo.processInfo.environment
guard let url = environment["LIVEKIT_URL"], let key = environment["LIVEKIT_API_KEY"], let secret = environment["LIVEKIT_API_SECRET"] else {
    FileHandle.standardError.write(Data("livekit-client-bench: set LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET\n".utf8))
    exit(2)
}
let calls = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 500
let connection = try LiveKitConnection(url: url, apiKey: key, apiSecret: secret)
let transports: [(name: String, client: RoomServiceClient)] = [
    ("evhttp", RoomServiceClient(connection: connection)),
    ("URLSession", RoomServiceClient(connection: connection, urlSession: RoomServiceClient.makeURLSession(connection))),
]

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func summary(_ samples: [Double]) -> String {
    let sorted = samples.sorted()
    let at = { (p: Double) in sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] }
    return String(format: "p50 %.3f ms  p90 %.3f ms  p99 %.3f ms", at(0.5), at(0.9), at(0.99))
}

var samples: [String: [Double]] = [:]
for round in 0..<(calls + 20) {
    for (name, client) in round % 2 == 0 ? transports : transports.reversed() {
        let started = ContinuousClock.now
        _ = try await client.listRooms(names: ["livekit-client-bench"])
        if round >= 20 { samples[name, default: []].append(milliseconds(ContinuousClock.now - started)) }
    }
}
for (name, _) in transports { print("ListRooms via \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(summary(samples[name]!))") }

/// User + system CPU of this process (every thread: libcurl's, the evhttp loop's), in microseconds.
func cpuMicroseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let total = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
    return Double(total) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}

// CPU per call is what a loaded machine disturbs least: each transport alone, one after the other.
for (name, client) in transports {
    let before = cpuMicroseconds()
    for _ in 0..<calls { _ = try await client.listRooms(names: ["livekit-client-bench"]) }
    let perCall = (cpuMicroseconds() - before) / Double(calls)
    print("ListRooms via \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(format: "%.0f µs CPU a call (client process, all threads)", perCall))")
}

var token = AccessToken(apiKey: key, apiSecret: secret)
token.video = VideoGrant(roomRecord: true)
let signings = 20_000
let started = ContinuousClock.now
var bytes = 0
for _ in 0..<signings { bytes &+= token.toJWT().utf8.count }
print(String(format: "AccessToken.toJWT: %.1f µs each (%d tokens)", milliseconds(ContinuousClock.now - started) * 1000 / Double(signings), signings))
