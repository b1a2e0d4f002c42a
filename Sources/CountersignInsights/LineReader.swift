#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads newline-separated records from a file descriptor in large blocks, in constant memory:
/// a line longer than `maximumLineBytes` is reported as too long and skipped, never buffered whole.
public struct LineReader {
    /// What one call of the body receives.
    public enum Line {
        case bytes(UnsafeBufferPointer<UInt8>)
        /// The line was longer than the limit; its content was dropped.
        case tooLong
    }

    public let fileDescriptor: Int32
    public let maximumLineBytes: Int
    private let blockSize: Int

    public init(fileDescriptor: Int32, maximumLineBytes: Int = 1 << 20, blockSize: Int = 1 << 20) {
        self.fileDescriptor = fileDescriptor
        self.maximumLineBytes = maximumLineBytes
        self.blockSize = blockSize
    }

    /// Calls `body` with each line (without its `\n` or `\r\n`) and its 1-based number.
    /// A final line without a newline counts; the empty remainder after a final newline does not.
    public func forEachLine(_ body: (Line, Int) throws -> Void) throws {
        let capacity = maximumLineBytes + blockSize
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        var skipping = false
        while true {
            let count = read(fileDescriptor, buffer.baseAddress! + filled, min(blockSize, capacity - filled))
            if count < 0 {
                if errno == EINTR { continue }
                throw LineReaderError(message: String(cString: strerror(errno)))
            }
            let end = filled + count
            var start = 0
            while start < end, let newline = memchr(buffer.baseAddress! + start, 0x0A, end - start) {
                let index = buffer.baseAddress!.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                if skipping {
                    skipping = false
                    try body(.tooLong, lineNumber)
                } else {
                    var stop = index
                    if stop > start, buffer[stop - 1] == 0x0D { stop -= 1 }
                    try body(.bytes(UnsafeBufferPointer(rebasing: buffer[start..<stop])), lineNumber)
                }
                start = index + 1
            }
            if count == 0 {
                if skipping {
                    try body(.tooLong, lineNumber + 1)
                } else if start < end {
                    try body(.bytes(UnsafeBufferPointer(rebasing: buffer[start..<end])), lineNumber + 1)
                }
                return
            }
            // Keep the unfinished line; drop it if it has grown past the limit.
            let rest = end - start
            if skipping || rest > maximumLineBytes {
                skipping = true
                filled = 0
            } else {
                if start > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + start, rest) }
                filled = rest
            }
        }
    }
}

/// Reading the input failed.
public struct LineReaderError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "cannot read the input: \(message)" }
}
