/// The download's progress line on stderr, redrawn in place with `\r`.
struct ProgressBar: Equatable {
    var width = 30
    var format: Formatting

    static func == (lhs: ProgressBar, rhs: ProgressBar) -> Bool { lhs.width == rhs.width }

    /// `[#########.....]  60%  1.2 MB / 2.0 MB`, or just the bytes when the size is unknown.
    func line(received: Int64, expected: Int64?) -> String {
        guard let expected, expected > 0 else { return "\r\(format.size(received))" }
        let fraction = min(1, Double(received) / Double(expected))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let percent = String(Int(fraction * 100))
        return "\r[\(bar)] \(String(repeating: " ", count: 3 - percent.count))\(percent)%  \(format.size(received)) / \(format.size(expected))"
    }
}
