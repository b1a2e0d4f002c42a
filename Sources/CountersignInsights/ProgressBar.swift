#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress bar on standard error, redrawn in place; only when standard error is a
/// terminal and the work is big enough to be worth watching.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private var shown = -1

    /// A bar for `total` units, or `nil` when standard error is not a terminal or `total` is below `minimum`.
    public static func onTerminal(total: Int, label: String, minimum: Int = 64 << 20) -> ProgressBar? {
        guard total >= minimum, isatty(STDERR_FILENO) == 1 else { return nil }
        return ProgressBar(total: total, label: label)
    }

    init(total: Int, label: String) {
        self.total = max(total, 1)
        self.label = label
    }

    /// Redraws when the whole percentage changes.
    public func update(_ done: Int) {
        let percent = min(100, done * 100 / total)
        guard percent != shown else { return }
        shown = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        write("\r\(label) [\(bar)] \(percent)%")
    }

    /// Replaces the bar with a short note (or clears it).
    public func finish(_ note: String = "") {
        write("\r\u{1B}[2K" + (note.isEmpty ? "" : note + "\n"))
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { systemWrite(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

@inline(__always) private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
