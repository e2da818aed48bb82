// A call screen's record button on RecordingKit's `RecordingController`.
// Not a SwiftPM target: copy it into the app (it needs SwiftUI, so Apple platforms only).
#if canImport(SwiftUI)
import SwiftUI
import RecordingKit

/// The red dot of the call screen. Tapping it asks for consent first; nothing is
/// recorded until the user confirms. While recording it shows how long, and follows
/// the recording even when another participant stops it.
@available(iOS 17, macOS 14, *)
struct RecordButton: View {
    @State var controller: RecordingController

    var body: some View {
        Button(action: tap) { label }
            .disabled(isBusy)
            .alert("Record this call?", isPresented: consentShown) {
                Button("Record") { controller.confirmConsent() }
                Button("Cancel", role: .cancel) { controller.declineConsent() }
            } message: {
                Text("Everyone in the call will be recorded. Start only if they all agree.")
            }
            .alert("Recording", isPresented: errorShown, presenting: errorMessage) { _ in
                Button("OK") { controller.dismiss() }
            } message: { message in
                Text(message)
            }
            // After a restart, pick up a recording that is still running in this room.
            .task { await controller.resume() }
    }

    private func tap() {
        switch controller.state {
        case .idle, .finished, .failed: controller.requestRecording()
        case .recording: controller.stop()
        case .awaitingConsent, .starting, .stopping: break
        }
    }

    @ViewBuilder private var label: some View {
        switch controller.state {
        case .idle, .awaitingConsent, .finished, .failed:
            Label("Record", systemImage: "record.circle")
        case .starting:
            Label("Starting…", systemImage: "record.circle").opacity(0.5)
        case .recording(_, let since):
            Label {
                Text(timerInterval: since...Date.distantFuture, countsDown: false)
            } icon: {
                Image(systemName: "record.circle.fill").foregroundStyle(.red)
            }
        case .stopping:
            Label("Stopping…", systemImage: "stop.circle")
        }
    }

    private var isBusy: Bool {
        switch controller.state {
        case .starting, .stopping: true
        default: false
        }
    }

    private var consentShown: Binding<Bool> {
        Binding(
            get: { controller.state == .awaitingConsent },
            set: { shown in if !shown, controller.state == .awaitingConsent { controller.declineConsent() } })
    }

    private var errorMessage: String? {
        if case .failed(let error) = controller.state { return error.message }
        return controller.lastError?.message
    }

    private var errorShown: Binding<Bool> {
        Binding(get: { if case .failed = controller.state { true } else { false } }, set: { _ in })
    }
}

/// Where the call screen creates it: the app's LiveKit token is the bearer token.
@available(iOS 17, macOS 14, *)
struct CallScreen: View {
    let roomName: String          // the Matrix room id, e.g. "!abc:example.org"
    let liveKitToken: () async throws -> String

    var body: some View {
        VStack {
            // … the call's video …
            RecordButton(controller: RecordingController(
                client: RecordingClient(
                    baseURL: URL(string: "https://recordings.example.org")!,
                    token: { [liveKitToken] in try await liveKitToken() }),
                roomName: roomName))
        }
    }
}

/// iOS 15 and 16 have no Observation: follow `states` instead.
@MainActor
final class LegacyRecordButtonModel: ObservableObject {
    @Published private(set) var state: RecordingButtonState = .idle
    let controller: RecordingController

    init(controller: RecordingController) {
        self.controller = controller
        // The task holds the stream, not the controller: the stream ends when the controller goes.
        let states = controller.states
        Task { [weak self] in
            for await state in states { self?.state = state }
        }
    }
}
#endif
