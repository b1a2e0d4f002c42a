/// One group's labelled records, packed for a single sort: each is the bit pattern of its confidence
/// (non-negative, so the patterns order like the values) shifted left once, with "approved" in the
/// lowest bit. Eight bytes a record.
public struct CalibrationSamples: Sendable {
    /// The packed records; ascending by confidence after `sort()`.
    public private(set) var keys: [UInt64] = []
    /// How many records were approved.
    public private(set) var approvedCount = 0
    public private(set) var isSorted = true

    public init() {}

    /// The number of records.
    public var count: Int { keys.count }

    /// Adds one record; `confidence` must be in 0…1.
    public mutating func append(confidence: Double, approved: Bool) {
        precondition(confidence >= 0 && confidence <= 1, "confidence must be in 0...1")
        keys.append(Self.key(confidence: confidence, approved: approved))
        if approved { approvedCount += 1 }
        isSorted = false
    }

    /// Adds every record of `other`.
    public mutating func append(contentsOf other: CalibrationSamples) {
        keys.append(contentsOf: other.keys)
        approvedCount += other.approvedCount
        isSorted = keys.isEmpty
    }

    /// Sorts the records by confidence (linear-time radix sort).
    public mutating func sort() {
        if !isSorted { RadixSort.sort(&keys) }
        isSorted = true
    }

    /// The packed form of one record.
    @inline(__always) public static func key(confidence: Double, approved: Bool) -> UInt64 {
        // +0.0 for -0.0, whose sign bit would otherwise be shifted out anyway.
        ((confidence + 0).bitPattern << 1) | (approved ? 1 : 0)
    }

    /// The confidence of a packed record.
    @inline(__always) public static func confidence(of key: UInt64) -> Double { Double(bitPattern: key >> 1) }
}
