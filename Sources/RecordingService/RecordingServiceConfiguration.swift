import RecordingModels

/// The domain's settings. The server reads the environment (names in comments) and
/// builds this once; nothing here reads the environment.
public struct RecordingServiceConfiguration: Sendable {
    /// `RECORDING_DEFAULT_LAYOUT`
    public var defaultLayout: RecordingLayout
    /// `RECORDING_FILE_TEMPLATE`
    public var fileTemplate: FileKeyTemplate
    /// `RECORDING_STOP_WAIT_SECONDS`: how long `stop` waits for the egress to end.
    public var stopWaitSeconds: Double
    /// How often `stop` looks again while waiting.
    public var stopPollSeconds: Double
    /// A non-terminal recording whose row is older than this is refreshed from LiveKit by `status`.
    public var stalenessSeconds: Double
    /// `RECORDING_RECONCILE_SECONDS`
    public var reconcileIntervalSeconds: Double
    /// A recording still STARTING after this long is stopped and marked failed.
    public var startingTimeoutSeconds: Double
    /// A reservation (no egress id) older than this is a start that crashed half-way.
    public var reservationTimeoutSeconds: Double
    /// How long a start refused with `already_recording` waits for the other start's egress id.
    public var reservationWaitSeconds: Double
    /// Cap, and default, of `maxDurationSeconds`; nil: no cap.
    public var maxDurationCapSeconds: Int?
    /// Lifetime of download links.
    public var downloadTTLSeconds: Double

    public init(
        defaultLayout: RecordingLayout = .gridDark,
        fileTemplate: FileKeyTemplate = try! FileKeyTemplate(FileKeyTemplate.defaultTemplate),
        stopWaitSeconds: Double = 10,
        stopPollSeconds: Double = 0.5,
        stalenessSeconds: Double = 5,
        reconcileIntervalSeconds: Double = 30,
        startingTimeoutSeconds: Double = 120,
        reservationTimeoutSeconds: Double = 60,
        reservationWaitSeconds: Double = 2,
        maxDurationCapSeconds: Int? = 6 * 3600,
        downloadTTLSeconds: Double = 3600
    ) {
        self.defaultLayout = defaultLayout
        self.fileTemplate = fileTemplate
        self.stopWaitSeconds = stopWaitSeconds
        self.stopPollSeconds = stopPollSeconds
        self.stalenessSeconds = stalenessSeconds
        self.reconcileIntervalSeconds = reconcileIntervalSeconds
        self.startingTimeoutSeconds = startingTimeoutSeconds
        self.reservationTimeoutSeconds = reservationTimeoutSeconds
        self.reservationWaitSeconds = reservationWaitSeconds
        self.maxDurationCapSeconds = maxDurationCapSeconds
        self.downloadTTLSeconds = downloadTTLSeconds
    }
}
