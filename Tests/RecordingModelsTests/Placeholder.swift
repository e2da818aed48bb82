import Testing

@Suite struct RecordingModelsTestsPlaceholder {}
