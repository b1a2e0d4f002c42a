import Foundation

/// How a fuzz target reports a broken invariant. A crash (a trap, an AddressSanitizer report)
/// stops libFuzzer, which writes the input as `crash-…`. A broken invariant is recorded instead
/// and the run goes on, so that one known defect does not hide the others: the first input that
/// breaks an invariant in a new way (its detail with the digits left out) is written to
/// `$FUZZ_FINDINGS/<invariant>-<hash>` (or the current directory) with the detail beside it in
/// `<invariant>-<hash>.txt`, and `run.sh` fails when it finds a new one. With `FUZZ_ABORT=1` a
/// broken invariant traps instead, as libFuzzer's `-minimize_crash` needs.
public enum FuzzReport {
    /// Set once from the environment, read on every input.
    private static let folder = ProcessInfo.processInfo.environment["FUZZ_FINDINGS"] ?? "."
    private static let aborts = ProcessInfo.processInfo.environment["FUZZ_ABORT"] == "1"
    /// Invariants (and details, digits left out) already reported by this process. libFuzzer
    /// calls the target from one thread.
    nonisolated(unsafe) private static var reported: Set<String> = []

    /// Records `violations` of one input.
    public static func record(_ violations: [InvariantViolation], input: [UInt8]) {
        for violation in violations {
            let shape = violation.invariant + ": " + String(violation.detail.unicodeScalars.filter { !("0"..."9").contains($0) })
            guard reported.insert(shape).inserted else { continue }
            if aborts { fatalError("invariant broken: \(violation)") }
            let path = "\(folder)/\(violation.invariant)-\(hash(input))"
            _ = FileManager.default.createFile(atPath: path, contents: Data(input))
            _ = FileManager.default.createFile(atPath: path + ".txt", contents: Data("\(violation)\n".utf8))
            FileHandle.standardError.write(Data("==fuzz== invariant broken: \(violation)\n==fuzz== input: \(path)\n".utf8))
        }
    }

    /// Runs `check` on the input libFuzzer hands over and records what it returns.
    public static func run(_ data: UnsafePointer<UInt8>, _ size: Int, _ check: ([UInt8]) -> [InvariantViolation]) -> CInt {
        let input = Array(UnsafeBufferPointer(start: data, count: size))
        record(check(input), input: input)
        return 0
    }

    /// FNV-1a, 64 bits, in hex: a short stable name for an input.
    static func hash(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
