// RecordingKit: implementation lands with its issue.
