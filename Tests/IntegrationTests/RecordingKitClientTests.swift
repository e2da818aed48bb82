import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecordingKit
import RecordingModels
import Testing
import TestSupport

/// `RecordingClient` against the real server, its own LiveKit emulator and the S3 server.
@Suite("End to end: RecordingKit's client", .enabled(if: LiveStack.canRun))
struct RecordingKitClientTests {
    @Test("start, status, list with a filter, layout, stop → COMPLETE, download link = the object, delete")
    func lifecycle() async throws {
        let room = KitStack.room("life")
        let other = KitStack.room("other")
        try await KitStack.with(rooms: [room: ["alice", "bob"], other: ["carol"]]) { stack in
            let client = KitStack.client(stack)

            let started = try await client.start(roomName: room, layout: .speakerDark)
            #expect(started.roomName == room)
            #expect(started.status == .starting || started.status == .active)
            #expect(started.layout == .speakerDark)
            let egressId = started.egressId
            let key = try #require(started.file?.key)
            // A recording of another room, so the filter has something to leave out.
            let elsewhere = try await client.start(roomName: other)

            let status = try await client.status(egressId: egressId)
            #expect(status.egressId == egressId && status.roomName == room && status.status.isActive)

            let filtered = try await client.list(filter: RecordingFilter(roomName: room, active: true))
            #expect(filtered.recordings.map(\.egressId) == [egressId])
            let everything = try await client.list()
            #expect(Set(everything.recordings.map(\.egressId)) == [egressId, elsewhere.egressId])
            let firstPage = try await client.list(filter: RecordingFilter(limit: 1))
            #expect(firstPage.recordings.count == 1)
            let cursor = try #require(firstPage.nextCursor)
            let secondPage = try await client.list(filter: RecordingFilter(limit: 1, cursor: cursor))
            #expect(Set((firstPage.recordings + secondPage.recordings).map(\.egressId)) == [egressId, elsewhere.egressId])

            // Stopping while STARTING would end it ABORTED (emulator, like LiveKit): wait for ACTIVE.
            try await KitStack.waitForStatus(client, egressId) { $0 == .active }
            // The rooms, as LiveKit has them: people only (not the egress' recorder), and who records.
            // (ACTIVE: the egress has joined the room.)
            let rooms = try await client.rooms()
            let recorded = try #require(rooms.first { $0.name == room })
            #expect(recorded.participants.sorted() == ["alice", "bob"] && recorded.numParticipants == 2)
            #expect(recorded.recording && recorded.egressId == egressId)

            let relaid = try await client.updateLayout(egressId: egressId, layout: .gridLight)
            #expect(relaid.egressId == egressId && relaid.layout == .gridLight)
            let seenByLiveKit = try await stack.emulator.control("GET", "egress/\(egressId)").json
            #expect((seenByLiveKit["layouts"] as? [String])?.last == "grid-light", "\(seenByLiveKit)")

            // Not ended yet: no file to download.
            await #expect(throws: RecordingError.self) { try await client.downloadLink(egressId: egressId) }
            do {
                _ = try await client.downloadLink(egressId: egressId)
            } catch let error as RecordingError {
                guard case .notReady = error else { Issue.record("download of an active recording: \(error)"); return }
            }

            let stopped = try await client.stop(egressId: egressId)
            #expect(stopped.egressId == egressId)
            #expect(stopped.status == .complete)
            #expect(stopped.endedAt != nil)
            // Stop is idempotent: again, the final state.
            #expect(try await client.stop(egressId: egressId).status == .complete)

            let link = try await client.downloadLink(egressId: egressId)
            #expect(link.expiresAt.date > Date())
            let (downloaded, response) = try await URLSession.shared.data(from: try #require(URL(string: link.url)))
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            let object = try await KitStack.objectBytes(stack, key: key)
            #expect(downloaded.count > 1000)
            #expect(downloaded == object)

            let deleted = try await client.delete(egressId: egressId)
            #expect(deleted.egressId == egressId && deleted.deleted)
            #expect(try await stack.bucket.headObject(key: key) == nil)
            do {
                _ = try await client.status(egressId: egressId)
                Issue.record("status of a deleted recording answered")
            } catch let error as RecordingError {
                guard case .notFound = error else { Issue.record("status of a deleted recording: \(error)"); return }
            }
            _ = try await client.stop(egressId: elsewhere.egressId)
        }
    }

    @Test("a start while another client records the room throws alreadyRecording naming that recording")
    func alreadyRecordingByAnotherClient() async throws {
        let room = KitStack.room("busy")
        try await KitStack.with(rooms: [room: ["alice", "bob"]]) { stack in
            let alice = KitStack.client(stack)
            let bob = KitStack.client(stack)

            let theirs = try await alice.start(roomName: room)
            do {
                let mine = try await bob.start(roomName: room)
                Issue.record("a second start in the same room started \(mine.egressId)")
            } catch let error as RecordingError {
                guard case .alreadyRecording(let egressId, let message) = error else {
                    Issue.record("expected alreadyRecording, got \(error)")
                    return
                }
                #expect(egressId == theirs.egressId)
                #expect(!message.isEmpty)
            }
            let recordings = try await alice.list(filter: RecordingFilter(roomName: room)).recordings
            #expect(recordings.map(\.egressId) == [theirs.egressId])
        }
    }

    @Test("a start whose answer was lost is retried, and the 409 on the retry recovers the recording it made")
    func lostStartReplyRecovers() async throws {
        let room = KitStack.room("lost")
        try await KitStack.with(rooms: [room: ["alice", "bob"]]) { stack in
            let port = stack.service.port
            let client = KitStack.client(stack, session: LostStartReply.session(droppingFirstStartTo: port))

            let started = try await client.start(roomName: room, layout: .gridLight)

            // The server did start a recording on the first attempt; the client never saw that answer.
            let lost = try #require(LostStartReply.droppedAnswers(port: port).first)
            let lostAnswer = try JSONDecoder().decode(StartRecordingResponse.self, from: lost)
            #expect(started.egressId == lostAnswer.egressId)
            #expect(started.roomName == room)
            #expect(started.layout == .gridLight)
            #expect(started.status.isActive)
            // Exactly one recording: the retry did not make a second.
            let recordings = try await KitStack.client(stack).list(filter: RecordingFilter(roomName: room)).recordings
            #expect(recordings.map(\.egressId) == [lostAnswer.egressId])
        }
    }

    @Test("LiveKit unavailable: start retries as Retry-After says, then throws serviceUnavailable; a later start works")
    func serviceUnavailable() async throws {
        let room = KitStack.room("down")
        try await KitStack.with(rooms: [room: ["alice", "bob"]]) { stack in
            let waits = RecordedWaits()
            let client = KitStack.client(stack, retry: waits.policy(maxAttempts: 3))

            try await stack.emulator.control("POST", "faults", ["count": 100, "method": "StartRoomCompositeEgress", "code": "unavailable"])
            do {
                let started = try await client.start(roomName: room)
                Issue.record("started \(started.egressId) while LiveKit was down")
            } catch let error as RecordingError {
                guard case .serviceUnavailable(let retryAfter, let message) = error else {
                    Issue.record("expected serviceUnavailable, got \(error)")
                    return
                }
                #expect(retryAfter != nil && retryAfter! > 0)
                #expect(message.contains("LiveKit"), "\(message)")
                #expect(error.isTransient)
                // Three attempts, each wait what the server asked for.
                #expect(waits.values == [retryAfter!, retryAfter!])
            }

            try await stack.emulator.control("DELETE", "faults")
            let started = try await client.start(roomName: room)
            #expect(started.roomName == room)
        }
    }

    @Test("a wrong token is unauthorized, with the server's message and nothing of the token")
    func wrongToken() async throws {
        let room = KitStack.room("auth")
        try await KitStack.with(rooms: [room: ["alice"]]) { stack in
            let wrong = "not-the-operator-key-\(UUID().uuidString)"

            for client in [KitStack.client(stack, token: wrong), KitStack.client(stack, token: nil)] {
                do {
                    let page = try await client.list()
                    Issue.record("listed \(page.recordings.count) recordings without a valid token")
                } catch let error as RecordingError {
                    guard case .unauthorized(let message) = error else { Issue.record("expected unauthorized, got \(error)"); continue }
                    #expect(!message.isEmpty)
                    #expect(!message.contains(wrong))
                    #expect(!error.isTransient)
                }
            }
            await #expect(throws: RecordingError.self) { try await KitStack.client(stack, token: wrong).start(roomName: room) }
            #expect(try await KitStack.client(stack).list().recordings.isEmpty)
        }
    }
}
