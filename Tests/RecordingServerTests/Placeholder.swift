import Testing

@Suite struct RecordingServerTestsPlaceholder {}
