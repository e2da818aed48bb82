import Testing

@Suite struct S3TestsPlaceholder {}
