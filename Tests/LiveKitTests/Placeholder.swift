import Testing

@Suite struct LiveKitTestsPlaceholder {}
