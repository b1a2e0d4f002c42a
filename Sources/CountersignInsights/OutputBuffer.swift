import CountersignCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Collects output bytes and writes them to a file descriptor in large blocks.
public struct OutputBuffer {
    public let fileDescriptor: Int32
    /// Where output is written before it is flushed.
    public var writer: JSONWriter
    private let flushThreshold: Int

    public init(fileDescriptor: Int32, flushThreshold: Int = 1 << 18) {
        self.fileDescriptor = fileDescriptor
        self.flushThreshold = flushThreshold
        writer = JSONWriter(capacity: flushThreshold + 4096)
    }

    /// Flushes when the buffer has grown past the threshold.
    public mutating func flushIfFull() throws {
        if writer.bytes.count >= flushThreshold { try flush() }
    }

    /// Writes everything buffered.
    public mutating func flush() throws {
        var written = 0
        try writer.bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let count = write(fileDescriptor, raw.baseAddress! + written, raw.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw LineReaderError(message: String(cString: strerror(errno)))
                }
                written += count
            }
        }
        writer.bytes.removeAll(keepingCapacity: true)
    }
}
