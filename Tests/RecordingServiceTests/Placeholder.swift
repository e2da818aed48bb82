import Testing

@Suite struct RecordingServiceTestsPlaceholder {}
