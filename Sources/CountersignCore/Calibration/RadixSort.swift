/// Least-significant-digit radix sort of 64-bit keys, 16 bits per pass: four counting passes
/// over the data at most, and a pass is skipped when every key has the same digit in it.
/// Linear time, so sorting ten million calibration records takes a fraction of a second.
public enum RadixSort {
    /// Sorts `keys` ascending.
    public static func sort(_ keys: inout [UInt64]) {
        let count = keys.count
        if count < 256 {
            keys.sort()
            return
        }
        let radix = 1 << 16
        var histograms = [Int](repeating: 0, count: 4 * radix)
        keys.withUnsafeBufferPointer { source in
            histograms.withUnsafeMutableBufferPointer { counts in
                for key in source {
                    counts[Int(key & 0xFFFF)] &+= 1
                    counts[radix + Int((key >> 16) & 0xFFFF)] &+= 1
                    counts[2 * radix + Int((key >> 32) & 0xFFFF)] &+= 1
                    counts[3 * radix + Int(key >> 48)] &+= 1
                }
            }
        }
        var scratch = [UInt64](repeating: 0, count: count)
        var inScratch = false
        for pass in 0..<4 {
            let shift = UInt64(pass * 16)
            let base = pass * radix
            // Skip a digit every key shares.
            let sample = inScratch ? scratch[0] : keys[0]
            if histograms[base + Int((sample >> shift) & 0xFFFF)] == count { continue }
            var offsets = [Int](repeating: 0, count: radix)
            var running = 0
            for digit in 0..<radix {
                offsets[digit] = running
                running += histograms[base + digit]
            }
            if inScratch {
                scatter(from: scratch, into: &keys, shift: shift, offsets: &offsets)
            } else {
                scatter(from: keys, into: &scratch, shift: shift, offsets: &offsets)
            }
            inScratch.toggle()
        }
        if inScratch { keys = scratch }
    }

    private static func scatter(from source: [UInt64], into destination: inout [UInt64], shift: UInt64, offsets: inout [Int]) {
        source.withUnsafeBufferPointer { source in
            destination.withUnsafeMutableBufferPointer { destination in
                offsets.withUnsafeMutableBufferPointer { offsets in
                    for key in source {
                        let digit = Int((key >> shift) & 0xFFFF)
                        destination[offsets[digit]] = key
                        offsets[digit] &+= 1
                    }
                }
            }
        }
    }
}
