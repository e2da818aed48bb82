// RecordingServer: implementation lands with its issue.
