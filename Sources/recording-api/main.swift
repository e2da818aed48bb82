import Foundation
import RecordingServer

// Everything lives in RecordingServer so tests can run the same wiring.
exit(await RecordingAPI.main())
