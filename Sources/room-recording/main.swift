import RecordingKit

print("room-recording")
