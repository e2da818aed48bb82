import RecordingServer

// Placeholder until the server issue lands its entry point.
print("recording-api")
