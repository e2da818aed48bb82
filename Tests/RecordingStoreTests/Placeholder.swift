import Testing

@Suite struct RecordingStoreTestsPlaceholder {}
