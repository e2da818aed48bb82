/// LiveKit's `EncodingOptionsPreset` names for room composite recordings, as in
/// livekit-protocol's `egress.py`. `PASSTHROUGH` exists there too but means
/// "no transcoding", which a room composite (a rendered page) cannot do, so it is refused.
public enum EncodingPreset {
    public static let names: [String] = [
        "H264_720P_30", "H264_720P_60", "H264_1080P_30", "H264_1080P_60",
        "PORTRAIT_H264_720P_30", "PORTRAIT_H264_720P_60", "PORTRAIT_H264_1080P_30", "PORTRAIT_H264_1080P_60",
    ]

    public static var allowedValues: String { names.joined(separator: ", ") }

    public static func isValid(_ name: String) -> Bool { names.contains(name) }
}
