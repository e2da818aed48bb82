import Testing

@Suite struct RecordingKitTestsPlaceholder {}
